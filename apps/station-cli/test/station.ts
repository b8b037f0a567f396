// Test support for `station`: the real command as a process, in a temporary folder removed afterwards.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MAIN = join(import.meta.dir, '../src/main.ts');
/** The test packages (copied into a temporary folder before use, so a test never writes into the repo). */
export const PACKAGES = join(import.meta.dir, 'packages');

export interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs `station ...args` in `cwd` to its end (killed after 30 s: a command that hangs fails), with `input`
 * as its standard input (none: closed at once).
 */
export async function station(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  input?: string,
): Promise<Ran> {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd,
    stdin: input === undefined ? 'ignore' : new Blob([input]),
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, NO_COLOR: '', ...env },
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  try {
    const [out, err] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    await proc.exited;
    return { code: proc.signalCode ? null : proc.exitCode, out, err };
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

/** A temporary folder, removed when the `using` scope ends (a failed test included). */
export function tempDir(prefix = 'station-cli-'): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies test packages into `dir`; returns `dir`. */
export function withPackages(dir: string, ...names: string[]): string {
  for (const name of names) cpSync(join(PACKAGES, name), join(dir, name), { recursive: true });
  return dir;
}
