// The command line of every station process: one description per app (its flags and what it does),
// parsed strictly, so `--help` prints the usage and exits 0 and a flag nobody knows exits 2 with the usage
// instead of being ignored (a typo such as `--confg` must not start a demo station).
import { parseArgs } from 'node:util';

/** One `--name VALUE` option (or a `--name` switch when `value` is absent). */
export interface CliOption {
  name: string;
  /** Placeholder of the value in the usage (`PATH`, `ID`); absent for a switch. */
  value?: string;
  description: string;
  required?: boolean;
  /** May be given several times (`--param a=1 --param b=2`); the values are in `ParsedCli.lists`. */
  multiple?: boolean;
}

/** What a command is and takes. */
export interface CliSpec {
  /** The command as a person types it, e.g. `bun apps/broker/src/main.ts`. */
  command: string;
  /** One or two lines on what it does. */
  summary: string;
  /** Positional arguments in order (none unless listed). */
  positionals?: CliPositional[];
  /** Its own options, beside the ones every station process takes (`SERVICE_OPTIONS`). */
  options?: CliOption[];
  /** Whether it also takes `--station` and `--parent-pid` (services and runners started by a parent). */
  service?: boolean;
  /** Whether it takes `--config` (default true; false for a command that reads no station.yaml). */
  config?: boolean;
}

/** One positional argument. */
export interface CliPositional {
  name: string;
  description: string;
  choices?: readonly string[];
  /** The last positional only: takes one or more values (`<folder>...`). */
  variadic?: boolean;
  /** The last positional only: may be left out. */
  optional?: boolean;
}

/** Taken by every station process that reads station.yaml. */
export const CONFIG_OPTION: CliOption = {
  name: 'config',
  value: 'PATH',
  description: 'station.yaml to use (default: $STATION_CONFIG, config/station.yaml, the shipped example)',
};

/** Taken by every process a launcher or supervisor starts. */
export const SERVICE_OPTIONS: CliOption[] = [
  { name: 'station', value: 'ID', description: "marks the process as this station's in `ps` (not read)" },
  { name: 'parent-pid', value: 'PID', description: 'stop when this process is gone (set by the launcher)' },
];

const HELP_OPTION: CliOption = { name: 'help', description: 'print this help and exit' };

/** A command line that does not fit the spec: the message says what, the usage says how. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** The parsed command line: option values by name (switches as 'true') and the positionals. */
export interface ParsedCli {
  help: boolean;
  values: Record<string, string | undefined>;
  /** Every value of each `multiple` option, in the order given (an empty list when it was not given). */
  lists: Record<string, string[]>;
  positionals: string[];
}

function optionsOf(spec: CliSpec): CliOption[] {
  const config = spec.config === false ? [] : [CONFIG_OPTION];
  return [...config, ...(spec.options ?? []), ...(spec.service ? SERVICE_OPTIONS : []), HELP_OPTION];
}

function placeholder(p: CliPositional): string {
  return `<${p.choices ? p.choices.join('|') : p.name}>${p.variadic ? '...' : ''}`;
}

/** The help text of a command. */
export function usage(spec: CliSpec): string {
  const positionals = (spec.positionals ?? []).map((p) =>
    p.optional ? ` [${placeholder(p)}]` : ` ${placeholder(p)}`,
  );
  const lines = [`usage: ${spec.command}${positionals.join('')} [options]`, '', spec.summary, ''];
  if (spec.positionals?.length) lines.push('arguments:');
  for (const p of spec.positionals ?? []) {
    lines.push(`  <${p.name}>${p.variadic ? '...' : ''}`, `      ${p.description}`);
  }
  lines.push('options:');
  for (const o of optionsOf(spec)) {
    const notes = `${o.required ? ' (required)' : ''}${o.multiple ? ' (repeatable)' : ''}`;
    lines.push(`  --${o.name}${o.value ? ` ${o.value}` : ''}${notes}`);
    lines.push(`      ${o.description}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Parses `argv` (without the runtime and script) against `spec`. Throws CliError for an unknown option, a
 * missing value, a missing required option or a wrong positional; `--help` wins over every other problem.
 * @example parseCli({ command: 'bun x.ts', summary: 'x' }, ['--config', 'a.yaml']).values.config // 'a.yaml'
 */
export function parseCli(spec: CliSpec, argv: readonly string[]): ParsedCli {
  if (argv.includes('--help') || argv.includes('-h')) {
    return { help: true, values: {}, lists: {}, positionals: [] };
  }
  const options = Object.fromEntries(
    optionsOf(spec).map((o) => [
      o.name,
      { type: o.value ? ('string' as const) : ('boolean' as const), multiple: o.multiple === true },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new CliError(describeParseError(spec, err));
  }
  const values: Record<string, string | undefined> = {};
  const lists: Record<string, string[]> = {};
  for (const o of optionsOf(spec)) if (o.multiple) lists[o.name] = [];
  for (const [name, value] of Object.entries(parsed.values)) {
    if (Array.isArray(value)) lists[name] = value.map(String);
    else values[name] = typeof value === 'boolean' ? String(value) : value;
  }
  for (const o of optionsOf(spec)) {
    if (o.required && values[o.name] === undefined) throw new CliError(`--${o.name} ${o.value} is required`);
  }
  const expected = spec.positionals ?? [];
  const variadic = expected.at(-1)?.variadic === true;
  if (!variadic && parsed.positionals.length > expected.length) {
    throw new CliError(`unexpected argument ${JSON.stringify(parsed.positionals[expected.length])}`);
  }
  parsed.positionals.forEach((given, i) => {
    const p = expected[Math.min(i, expected.length - 1)];
    if (p?.choices && !p.choices.includes(given)) {
      throw new CliError(`<${p.name}> must be one of ${p.choices.join(', ')}, not ${JSON.stringify(given)}`);
    }
  });
  const missing = expected[parsed.positionals.length];
  if (missing && !missing.optional) throw new CliError(`<${missing.name}> is required`);
  return { help: false, values, lists, positionals: parsed.positionals };
}

/**
 * node:util's message, shortened to what a person needs: a value-less option says which value it takes
 * (its own hints about `--opt=-XYZ` are for generic tools).
 */
function describeParseError(spec: CliSpec, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const option = /Option '--([\w-]+)/.exec(message)?.[1];
  const known = optionsOf(spec).find((o) => o.name === option);
  if (known?.value) return `--${known.name} needs a value: --${known.name} ${known.value}`;
  const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
  if (unknown) return `unknown option ${unknown}`;
  return message.split('\n')[0] ?? message;
}

/**
 * `parseCli` for a process's main: `--help` prints the usage and exits 0; a bad command line prints what
 * is wrong and the usage to stderr and exits 2 (the exit code of a usage error, as config errors use).
 */
export function parseCliOrExit(spec: CliSpec, argv: readonly string[] = process.argv.slice(2)): ParsedCli {
  let parsed: ParsedCli;
  try {
    parsed = parseCli(spec, argv);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`${err.message}\n\n${usage(spec)}`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(usage(spec));
    process.exit(0);
  }
  return parsed;
}
