// Where in a package file an import failed: a syntax error (Bun's BuildMessage has a position) or an
// exception thrown while the module's top level ran (its stack names the file, line and column).
import type { Position } from './yaml-source.ts';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The position in `path` that an import error points at, or undefined when it names none there (a throw of a
 * non-Error, or an error raised inside the runtime itself).
 */
export function importErrorPosition(err: unknown, path: string): Position | undefined {
  const pos = (err as { position?: { line?: number; column?: number } | null } | null)?.position;
  if (pos?.line) return { line: pos.line, column: pos.column ?? 1 };
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  // The first frame in the file itself: the deepest code the package author wrote. The import's
  // cache-busting query (`?v=<hash>`) may or may not appear in the frame.
  const frame = new RegExp(`${escapeRegExp(path)}(?:\\?[^:\\s)]*)?:(\\d+):(\\d+)`).exec(stack);
  return frame ? { line: Number(frame[1]), column: Number(frame[2]) } : undefined;
}
