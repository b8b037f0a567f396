// Files a package ships for the operator (prompt images under `assets/`): one rule for where such a path
// may lead, used when a package is loaded, when a step names an image and when the gateway serves it.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from './errors.ts';
import { isInside, realpathOrUndefined } from './paths.ts';
import { SEQUENCE_FILE } from './source-check.ts';

/** The folder of a package that holds its operator assets. */
export const ASSETS_DIR = 'assets';

/** Why `rel` cannot name an asset of a package in `dir` (not a plain `assets/...` path, missing, outside), or undefined. */
export function assetProblem(dir: string, rel: string): string | undefined {
  if (typeof rel !== 'string' || rel.length === 0 || rel.length > 512)
    return 'expected a path such as assets/led.svg';
  if (rel.includes('\\') || rel.includes('\0')) return `${JSON.stringify(rel)} is not a plain relative path`;
  const parts = rel.split('/');
  if (parts[0] !== ASSETS_DIR || parts.length < 2)
    return `${JSON.stringify(rel)} is not under ${ASSETS_DIR}/`;
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    return `${JSON.stringify(rel)} is not a plain relative path (no empty, . or .. parts)`;
  }
  const root = realpathOrUndefined(join(dir, ASSETS_DIR));
  const real = realpathOrUndefined(join(dir, rel));
  if (root === undefined || real === undefined) return `${rel} does not exist in the package`;
  // A symlink may not lead out of the package's assets.
  if (!isInside(root, real) || real === root) return `${rel} resolves outside the package's ${ASSETS_DIR}/`;
  if (!statSync(real).isFile()) return `${rel} is not a file`;
  return undefined;
}

/**
 * The real path of asset `rel` of the package in `dir`; undefined when `assetProblem` finds one.
 * @example resolveAsset('/srv/sequences/unit_checkout', 'assets/led.svg')
 */
export function resolveAsset(dir: string, rel: string): string | undefined {
  return assetProblem(dir, rel) === undefined ? realpathOrUndefined(join(dir, rel)) : undefined;
}

/** Where the gateway serves asset `rel` (`assets/led.svg`) of package `name`. */
export function assetUrl(name: string, rel: string): string {
  return `/api/sequences/${encodeURIComponent(name)}/${rel.split('/').map(encodeURIComponent).join('/')}`;
}

/** Asset paths written as string literals in sequence.ts (`'assets/led.svg'`), with their positions. */
function assetLiterals(text: string): { path: string; line: number; column: number }[] {
  const found: { path: string; line: number; column: number }[] = [];
  const re = /(['"`])(assets\/[^'"`\n]*)\1/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const before = text.slice(0, m.index);
    found.push({
      path: m[2]!,
      line: before.split('\n').length,
      column: m.index - before.lastIndexOf('\n'),
    });
  }
  return found;
}

/** MISSING_ASSET for every `assets/...` literal of sequence.ts that names no file inside the package. */
export function checkAssetReferences(dir: string, text: string): Problem[] {
  return assetLiterals(text).flatMap(({ path, line, column }) => {
    const problem = assetProblem(dir, path);
    return problem === undefined
      ? []
      : [{ code: 'MISSING_ASSET' as const, file: SEQUENCE_FILE, line, column, message: problem }];
  });
}
