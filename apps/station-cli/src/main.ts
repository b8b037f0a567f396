#!/usr/bin/env bun
// station: the command line of sequence authors and station maintainers (`npx station <command>`,
// `bun run station <command>`). Each command parses its own options with the shared parser, so
// `station <command> --help` prints its usage and an unknown option exits 2.
import { parseCliOrExit } from '@station/service';
import { backup } from './backup.ts';
import { type Command, processIo } from './command.ts';
import { healthcheck } from './healthcheck.ts';
import { keys } from './keys.ts';
import { newPackage } from './new.ts';
import { packageCommand } from './package.ts';
import { runCommand } from './run.ts';
import { validate } from './validate.ts';

const COMMANDS: Record<string, Command> = {
  new: newPackage,
  validate,
  run: runCommand,
  package: packageCommand,
  healthcheck,
  backup,
  keys,
};

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, c]) => `  ${name.padEnd(width)}  ${c.spec.summary.split('\n')[0]}`,
  );
  return [
    'usage: station <command> [options]',
    '',
    'Sequence packages from the terminal, and the station maintainers’ commands.',
    '',
    'commands:',
    ...lines,
    '',
    '`station <command> --help` tells what a command takes.',
    '',
  ].join('\n');
}

const [name, ...rest] = process.argv.slice(2);
if (name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(overview());
  process.exit(0);
}
const command = name === undefined ? undefined : COMMANDS[name];
if (!command) {
  const what = name === undefined ? 'a command is required' : `unknown command ${JSON.stringify(name)}`;
  process.stderr.write(`${what}\n\n${overview()}`);
  process.exit(2);
}
const cli = parseCliOrExit(command.spec, rest);
try {
  process.exit(await command.run(cli, processIo()));
} catch (err) {
  // Commands report what they expect themselves; this is the last word on anything else.
  process.stderr.write(`station ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
