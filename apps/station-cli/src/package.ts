// `station package <folder>`: `<name>-<version>.tgz`, the files a station hashes (manifest.yaml,
// sequence.ts, drivers/*.ts) and the operator images (assets/) under `<name>/`, with the content hash
// results record. A version is written once: packaging it again with other content is refused.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hashPackage, type LoadedPackage } from '@station/sequence';
import { archiveFiles, writeArchive } from '@station/sequence/archive';
import { extract } from 'tar';
import { type Command, paint } from './command.ts';
import { loadFolder, located, plural } from './load.ts';

/** What `station package` made (or found already made). */
export interface PackageArchive {
  archive: string;
  name: string;
  version: string;
  /** sha256 of the package's files, the `packageHash` of every result it produces. */
  hash: string;
  files: string[];
  /** False when an identical archive of this version already existed and was kept as it was. */
  created: boolean;
}

/** An archive of this version exists with other content. */
export class VersionTakenError extends Error {
  override readonly name = 'VersionTakenError';
}

/** Whether the archive holds exactly `files` of `dir` (names and bytes), and the hash of what it holds. */
export function compareArchive(
  archive: string,
  name: string,
  dir: string,
  files: string[],
): { same: boolean; hash: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'station-package-'));
  try {
    extract({ file: archive, cwd: tmp, sync: true, strict: true });
    const root = join(tmp, name);
    const theirs = archiveFiles(root);
    const same =
      theirs.length === files.length &&
      files.every(
        (f, i) => theirs[i] === f && readFileSync(join(root, f)).equals(readFileSync(join(dir, f))),
      );
    return { same, hash: hashPackage(root) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Writes the archive of a loaded package into `outDir`; see the module comment for the rules. */
export async function packageArchive(pkg: LoadedPackage, outDir: string): Promise<PackageArchive> {
  const { name, version } = pkg.manifest;
  const archive = join(resolve(outDir), `${name}-${version}.tgz`);
  const files = archiveFiles(pkg.dir);
  const made = { archive, name, version, hash: pkg.hash, files };
  if (existsSync(archive)) {
    const existing = compareArchive(archive, name, pkg.dir, files);
    if (existing.same) return { ...made, created: false };
    throw new VersionTakenError(
      `${archive} already holds ${name} ${version} with other content (hash ${existing.hash.slice(0, 12)}, this folder ${pkg.hash.slice(0, 12)}): raise the version in manifest.yaml`,
    );
  }
  const partial = `${archive}.partial`;
  await writeArchive(pkg.dir, name, partial);
  renameSync(partial, archive);
  return { ...made, created: true };
}

export const packageCommand: Command = {
  spec: {
    command: 'station package',
    summary:
      'Writes <name>-<version>.tgz of a valid package with the content hash its results will carry.\nRefuses a version already packaged with other content.',
    config: false,
    positionals: [{ name: 'folder', description: 'the sequence package folder' }],
    options: [
      { name: 'out', value: 'DIR', description: 'where the archive goes (default: the current folder)' },
      { name: 'json', description: 'print { archive, name, version, hash, files, created } for tools' },
    ],
  },
  async run(cli, io) {
    const folder = cli.positionals[0] ?? '';
    const loaded = await loadFolder(folder);
    if (!loaded.ok) {
      for (const p of loaded.problems) io.err(`${located(folder, p)}\n`);
      io.err(
        `station package: ${folder} is not a valid package (${plural(loaded.problems.length, 'problem')})\n`,
      );
      return 1;
    }
    let made: PackageArchive;
    try {
      made = await packageArchive(loaded.package, cli.values.out ?? '.');
    } catch (err) {
      if (!(err instanceof VersionTakenError)) throw err;
      io.err(`station package: ${err.message}\n`);
      return 1;
    }
    if (cli.values.json === 'true') {
      io.out(`${JSON.stringify(made, null, 2)}\n`);
      return 0;
    }
    const c = paint(io.colour);
    const what = made.created ? c.green('packaged') : 'unchanged';
    io.out(`${what} ${made.name} ${made.version} -> ${made.archive}\n  sha256 ${made.hash}\n`);
    return 0;
  },
};
