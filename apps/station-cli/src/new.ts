// `station new <name>`: a package that validates and runs as created (apps/station-cli/template: one
// parameter, a measured step with limits, a cleanup step, a simulated driver, typed step functions).
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isValidPackageName, MANIFEST_FILE, PACKAGE_NAME_RULE } from '@station/sequence';
import { type Command, paint } from './command.ts';

/** The package `station new` copies; it is type-checked and linted with the rest of the repository. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../template', import.meta.url));

/** Why a package could not be made. */
export class ScaffoldError extends Error {
  override readonly name = 'ScaffoldError';
}

/**
 * Creates the package `folder` (its last segment is the package name) from the template. Refuses an
 * invalid name and an existing folder: nothing is ever overwritten.
 */
export function scaffold(folder: string): string {
  const name = basename(folder);
  if (!isValidPackageName(name)) {
    throw new ScaffoldError(`"${name}" cannot name a package: use ${PACKAGE_NAME_RULE}`);
  }
  const target = resolve(folder);
  if (existsSync(target))
    throw new ScaffoldError(`${folder} already exists; choose another name or remove it`);
  if (!existsSync(dirname(target))) throw new ScaffoldError(`${dirname(folder)} does not exist`);
  // errorOnExist with force off: should the folder appear in between, nothing in it is overwritten.
  cpSync(TEMPLATE_DIR, target, { recursive: true, errorOnExist: true, force: false });
  const manifest = join(target, MANIFEST_FILE);
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^name: template$/m, `name: ${name}`));
  return target;
}

export const newPackage: Command = {
  spec: {
    command: 'station new',
    summary: 'Creates a sequence package that validates and runs as it is: edit it from there.',
    config: false,
    positionals: [
      { name: 'name', description: 'the package name, also its folder (created here, or give a path)' },
    ],
  },
  async run(cli, io) {
    const folder = cli.positionals[0] ?? '';
    try {
      scaffold(folder);
    } catch (err) {
      if (!(err instanceof ScaffoldError)) throw err;
      io.err(`station new: ${err.message}\n`);
      return 1;
    }
    const c = paint(io.colour);
    io.out(
      [
        `${c.green('created')} ${folder}/`,
        `  ${MANIFEST_FILE}         parameters, hardware, steps and limits`,
        '  sequence.ts           the step functions',
        '  drivers/sim_board.ts  a simulated board to run against',
        '',
        'next:',
        `  station validate ${folder}`,
        `  station run ${folder}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
