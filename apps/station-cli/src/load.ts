// Loads a package folder given on the command line, wherever it is: its parent folder plays the part of
// the station's sequences_dir, so the loader's checks (the folder's name included) are the runner's.
import { dirname, join } from 'node:path';
import { formatProblem, type LoadResult, loadPackage, type Problem } from '@station/sequence';
import { realpathOrUndefined } from '@station/sequence/paths';

/** Loads and checks the package in `folder`; never throws for a bad package. */
export async function loadFolder(folder: string): Promise<LoadResult> {
  const real = realpathOrUndefined(folder);
  if (real === undefined) {
    const message = `package folder ${folder} does not exist`;
    return { ok: false, problems: [{ code: 'NOT_FOUND', file: '.', message }], warnings: [] };
  }
  return loadPackage(real, { sequencesDir: dirname(real) });
}

/** A problem as `folder/file:line:column path: message`, relative to where the command was typed. */
export function located(folder: string, p: Problem): string {
  return formatProblem({ ...p, file: join(folder, p.file) });
}

/** `1 problem`, `2 problems`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
