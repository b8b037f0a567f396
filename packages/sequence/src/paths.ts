// Keeps package loading inside sequences_dir: request-supplied names are checked before they touch the
// file system, and symlinks are resolved before deciding whether a folder is inside.
import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { SequenceError } from './errors.ts';
import { isValidPackageName, PACKAGE_NAME_RULE } from './names.ts';

/** True when real path `child` is `root` itself or below it (both already resolved). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** realpath that answers `undefined` for a missing path instead of throwing. */
export function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Maps a package name from a request to its real folder under `sequencesDir`.
 * Throws BAD_REQUEST for a name that is not a plain folder name, NOT_FOUND when there is no such folder,
 * INVALID_PACKAGE when the folder is a symlink leading outside `sequencesDir`.
 * @example resolvePackageDir('/srv/sequences', 'psu_functional') // '/srv/sequences/psu_functional'
 */
export function resolvePackageDir(sequencesDir: string, name: string): string {
  if (!isValidPackageName(name)) {
    throw new SequenceError(
      'BAD_REQUEST',
      `invalid sequence package name ${JSON.stringify(name)}: expected ${PACKAGE_NAME_RULE}`,
      { details: { name, expected: PACKAGE_NAME_RULE } },
    );
  }
  const root = realpathOrUndefined(sequencesDir);
  if (root === undefined) {
    throw new SequenceError('NOT_FOUND', `sequences directory ${sequencesDir} does not exist`, {
      details: { sequencesDir },
    });
  }
  const real = realpathOrUndefined(join(root, name));
  if (real === undefined) {
    throw new SequenceError('NOT_FOUND', `no sequence package named "${name}"`, { details: { name } });
  }
  if (!isInside(root, real) || real === root) {
    throw new SequenceError('INVALID_PACKAGE', `sequence package "${name}" resolves outside ${root}`, {
      details: { name, resolved: real },
    });
  }
  return real;
}
