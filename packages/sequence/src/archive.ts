// The package archive `station package` writes and `POST /api/sequences` takes: a gzipped tar with one
// top folder `<name>/` holding exactly the files the hash covers (prompt images under `assets/` included). Unpacking
// an archive from elsewhere checks every entry before a byte is written: plain files and folders only
// (no links, devices or fifos), relative paths below `<name>/` (no absolute path, no `..`), and bounds on
// the entry count and the unpacked size.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, extract, list, type ReadEntry } from 'tar';
import { SequenceError } from './errors.ts';
import { packageFiles } from './hash.ts';
import { isValidPackageName, PACKAGE_NAME_RULE } from './names.ts';

/** The files an archive carries, relative and sorted as packed: exactly those the hash covers. */
export function archiveFiles(dir: string): string[] {
  return packageFiles(dir).filter((f) => existsSync(join(dir, f)));
}

/**
 * Writes the archive of package folder `dir` named `name` to `file`: `archiveFiles` under `<name>/`, with
 * fixed times and no owner, so the same files make the same bytes wherever and whenever packed.
 */
export async function writeArchive(dir: string, name: string, file: string): Promise<void> {
  await create(
    { gzip: true, file, cwd: dir, prefix: name, portable: true, mtime: new Date(0) },
    archiveFiles(dir),
  );
}

/** Bounds of `unpackArchive`. */
export interface UnpackLimits {
  /** Sum of the entries' sizes (default 64 MiB). */
  maxBytes?: number;
  /** Number of entries (default 2000). */
  maxEntries?: number;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/** What is wrong with one entry's path, or undefined when it is a plain relative path. */
function badPath(path: string): string | undefined {
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is an absolute path';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.includes('\0')) return 'contains a NUL byte';
  const parts = path.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..')) return 'leaves its folder (..)';
  if (parts.some((p) => p === '' || p === '.')) return 'has an empty or "." segment';
  return undefined;
}

function badArchive(message: string, details: Record<string, unknown> = {}): SequenceError {
  return new SequenceError('BAD_ARCHIVE', message, { details });
}

/**
 * Unpacks a package archive's bytes into the empty folder `dest` after checking every entry (see the
 * module comment). Returns the package name (the archive's one top folder) and its folder.
 * Throws BAD_ARCHIVE naming the first entry that breaks a rule, or when the bytes are not a gzipped tar.
 */
export function unpackArchive(
  bytes: Uint8Array,
  dest: string,
  limits: UnpackLimits = {},
): { name: string; dir: string } {
  const maxBytes = limits.maxBytes ?? 64 * 1024 * 1024;
  const maxEntries = limits.maxEntries ?? 2000;
  const file = join(dest, '.upload.tgz');
  writeFileSync(file, bytes);
  try {
    const names = new Set<string>();
    let total = 0;
    let entries = 0;
    const check = (entry: ReadEntry) => {
      const path = entry.path;
      entries += 1;
      if (entries > maxEntries) throw badArchive(`the archive has more than ${maxEntries} entries`);
      const why = badPath(path);
      if (why)
        throw badArchive(`archive entry ${JSON.stringify(path.slice(0, 200))} ${why}`, { entry: path });
      if (!FILE_TYPES.has(entry.type) && entry.type !== 'Directory') {
        throw badArchive(
          `archive entry ${JSON.stringify(path.slice(0, 200))} is a ${entry.type}: only files and folders are taken`,
          { entry: path, type: entry.type },
        );
      }
      total += entry.size ?? 0;
      if (total > maxBytes) throw badArchive(`the archive unpacks to more than ${maxBytes} bytes`);
      names.add(path.split('/')[0] ?? '');
    };
    try {
      list({ file, sync: true, strict: true, onReadEntry: check });
    } catch (err) {
      if (err instanceof SequenceError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw badArchive(`not a gzipped tar archive (.tgz): ${why}`);
    }
    if (entries === 0) throw badArchive('the archive is empty');
    if (names.size !== 1) {
      throw badArchive(
        `the archive must hold one folder <name>/, found ${[...names].slice(0, 5).join(', ')}`,
      );
    }
    const name = [...names][0] ?? '';
    if (!isValidPackageName(name)) {
      throw badArchive(
        `the archive's folder ${JSON.stringify(name.slice(0, 80))} is not a package name (${PACKAGE_NAME_RULE})`,
      );
    }
    extract({ file, cwd: dest, sync: true, strict: true, preserveOwner: false, noChmod: true });
    return { name, dir: join(dest, name) };
  } finally {
    rmSync(file, { force: true });
  }
}
