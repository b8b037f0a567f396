// Static checks of sequence.ts text: it must import nothing at run time (type-only imports are fine), so
// a package cannot reach into the station's code or pull in modules the station did not vet.

import type { Problem } from './errors.ts';
import type { Position } from './yaml-source.ts';

/** The step file name inside a package folder. */
export const SEQUENCE_FILE = 'sequence.ts';

function lineOf(text: string, needle: string): Position | undefined {
  const idx = text.indexOf(needle);
  if (idx < 0) return undefined;
  const before = text.slice(0, idx);
  const line = before.split('\n').length;
  return { line, column: idx - before.lastIndexOf('\n') };
}

/** Position of the export declaring `name`, best effort (a re-export list may not be found). */
export function exportLine(text: string, name: string): Position | Record<string, never> {
  const re = new RegExp(
    `export\\s+(?:async\\s+)?(?:function\\*?|const|let|var)\\s+${name.replace(/\$/g, '\\$')}\\b`,
  );
  const m = re.exec(text);
  return m ? (lineOf(text, m[0]) ?? {}) : {};
}

/** RUNTIME_IMPORT problems for every runtime import in the source (type-only imports are ignored). */
export function checkSequenceSource(text: string): Problem[] {
  let imports: { path: string; kind: string }[];
  try {
    imports = new Bun.Transpiler({ loader: 'ts' }).scanImports(text);
  } catch {
    // A syntax error: the import itself reports it with a position.
    return [];
  }
  return imports.map((imp) => ({
    code: 'RUNTIME_IMPORT' as const,
    file: SEQUENCE_FILE,
    ...(lineOf(text, `'${imp.path}'`) ?? lineOf(text, `"${imp.path}"`) ?? {}),
    message: `imports "${imp.path}" at run time; ${SEQUENCE_FILE} may only use type-only imports (import type ...)`,
  }));
}
