// What every `station` subcommand is: its command line (the shared parser's spec) and what it does.
import type { CliSpec, ParsedCli } from '@station/service';

/** Where a command writes; a test can hand in its own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether standard output is a terminal (lines may be rewritten in place). */
  terminal: boolean;
  /** Whether to colour what is written (a terminal, and NO_COLOR unset). */
  colour: boolean;
}

/** One `station <name>` command. */
export interface Command {
  spec: CliSpec;
  /** Runs with the parsed command line and resolves with the process's exit code. */
  run(cli: ParsedCli, io: Io): Promise<number>;
}

/** The process's own streams; colour only on a terminal and without NO_COLOR (no-color.org). */
export function processIo(): Io {
  const noColor = (process.env.NO_COLOR ?? '') !== '';
  const terminal = process.stdout.isTTY === true;
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    terminal,
    colour: terminal && !noColor,
  };
}

/** ANSI colours that vanish when `on` is false. */
export function paint(on: boolean) {
  const wrap = (code: number) => (text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { green: wrap(32), red: wrap(31), yellow: wrap(33), dim: wrap(2), bold: wrap(1) };
}
