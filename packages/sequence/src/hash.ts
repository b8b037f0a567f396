// The content hash of a package: what an execution records so a result can be traced to the exact code.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * The files that make up a package's behaviour and what its operator sees, relative to its folder, in a
 * stable order: manifest, sequence, drivers, then the images under `assets/` (regular files only), so a
 * changed prompt picture changes the hash a result is traced by.
 */
export function packageFiles(dir: string): string[] {
  let drivers: string[] = [];
  try {
    drivers = readdirSync(join(dir, 'drivers'), { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => `drivers/${e.name}`)
      .sort();
  } catch {
    // No drivers folder: the package only uses built-in drivers.
  }
  let assets: string[] = [];
  try {
    assets = readdirSync(join(dir, 'assets'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
      .sort();
  } catch {
    // No assets folder: a package without pictures.
  }
  return ['manifest.yaml', 'sequence.ts', ...drivers, ...assets];
}

/**
 * sha256 (hex) over each file's relative name and bytes, in `packageFiles` order. Names are hashed too so
 * that renaming a driver changes the hash; a missing file hashes as absent rather than failing.
 */
export function hashPackage(dir: string): string {
  const h = createHash('sha256');
  for (const file of packageFiles(dir)) {
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(join(dir, file));
    } catch {
      bytes = undefined;
    }
    h.update(`${file}\0${bytes === undefined ? 'absent' : bytes.length}\0`);
    if (bytes) h.update(bytes);
  }
  return h.digest('hex');
}
