// `station validate <folder>...`: every problem of every package with its file, line and column, the way
// a runner would refuse it. Exit 1 when any package has a problem (warnings do not count), for CI.
import { basename, resolve } from 'node:path';
import type { Problem } from '@station/sequence';
import { type Command, paint } from './command.ts';
import { loadFolder, located, plural } from './load.ts';

/** One package's verdict, as `--json` prints it. */
export interface PackageReport {
  folder: string;
  name?: string;
  version?: string;
  valid: boolean;
  /** The content hash a station records on every result (valid packages only). */
  hash?: string;
  problems: Problem[];
  warnings: Problem[];
}

/** Checks each folder; the reports come in the order the folders were given. */
export async function validateFolders(folders: readonly string[]): Promise<PackageReport[]> {
  const reports: PackageReport[] = [];
  for (const folder of folders) {
    const r = await loadFolder(folder);
    reports.push(
      r.ok
        ? {
            folder,
            name: r.package.manifest.name,
            version: r.package.manifest.version,
            valid: true,
            hash: r.package.hash,
            problems: [],
            warnings: r.warnings,
          }
        : {
            folder,
            name: r.name,
            version: r.version,
            valid: false,
            problems: r.problems,
            warnings: r.warnings,
          },
    );
  }
  return reports;
}

export const validate: Command = {
  spec: {
    command: 'station validate',
    summary:
      'Checks sequence packages as a station would, listing every problem with file:line:column.\nExits 0 when every package is valid, 1 when any has a problem.',
    config: false,
    positionals: [
      { name: 'folder', description: 'a sequence package folder (several may be given)', variadic: true },
    ],
    options: [{ name: 'json', description: 'print one JSON object ({ valid, packages }) for tools' }],
  },
  async run(cli, io) {
    const reports = await validateFolders(cli.positionals);
    const valid = reports.every((r) => r.valid);
    if (cli.values.json === 'true') {
      io.out(`${JSON.stringify({ valid, packages: reports }, null, 2)}\n`);
      return valid ? 0 : 1;
    }
    const c = paint(io.colour);
    for (const r of reports) {
      for (const p of r.problems) io.out(`${located(r.folder, p)} ${c.dim(`[${p.code}]`)}\n`);
      for (const w of r.warnings) io.out(`${located(r.folder, w)} ${c.dim(`[${w.code}] (warning)`)}\n`);
      const named = r.name && r.name !== basename(resolve(r.folder)) ? ` (${r.name})` : '';
      const what = `${r.folder}${named}${r.version ? ` ${r.version}` : ''}`;
      const warned = r.warnings.length > 0 ? `, ${plural(r.warnings.length, 'warning')}` : '';
      io.out(
        r.valid
          ? `${c.green('valid')}    ${what}${warned}\n`
          : `${c.red('invalid')}  ${what}: ${plural(r.problems.length, 'problem')}${warned}\n`,
      );
    }
    return valid ? 0 : 1;
  },
};
