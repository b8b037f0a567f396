// loadConfig: finds the configuration file (flag, env, config/station.yaml, shipped example), reads it and
// parses it, and says which file it used so a service can log it.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StationCheck } from './checks.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { parseConfig, parseConfigChecked } from './parse.ts';
import type { StationConfig } from './schema.ts';
import type { Env } from './substitute.ts';

/** Where the file came from, in lookup order. */
export type ConfigSource = 'flag' | 'env' | 'default' | 'example';

/** Inputs of `loadConfig`; each defaults to the real process's. */
export interface LoadOptions {
  argv?: string[];
  env?: Env;
  cwd?: string;
}

/** A loaded configuration and the file it came from (absolute `path`). */
export interface LoadedConfig {
  config: StationConfig;
  path: string;
  source: ConfigSource;
}

/** The demo configuration shipped with the repository, found from this file so any cwd works. */
export const EXAMPLE_CONFIG_PATH = fileURLToPath(
  new URL('../../../config/station.yaml.example', import.meta.url),
);

/** The value of `--config PATH` or `--config=PATH`; the last one wins, as with most CLI parsers. */
export function configFlag(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new ConfigError('NOT_FOUND', [fileIssue('--config', 'needs a path: --config PATH')]);
      }
      found = next;
      i += 1;
    } else if (arg?.startsWith('--config=')) {
      found = arg.slice('--config='.length);
    }
  }
  return found;
}

/** The value of `--config-digest SHA256` (the supervisor's `fastReadDigest` of the file), if given. */
export function configDigestFlag(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--config-digest');
  if (at >= 0) return argv[at + 1];
  return argv.find((a) => a.startsWith('--config-digest='))?.slice('--config-digest='.length);
}

function fileIssue(file: string, message: string): ConfigIssue {
  return { file, line: 0, column: 0, path: '', message };
}

/** Which file to read. An explicit choice (flag, env) that does not exist is an error, never a fallback. */
function pick(argv: readonly string[], env: Env, cwd: string): { path: string; source: ConfigSource } {
  const flag = configFlag(argv);
  if (flag !== undefined && flag !== '') return { path: resolve(cwd, flag), source: 'flag' };
  const fromEnv = env.STATION_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return { path: resolve(cwd, fromEnv), source: 'env' };
  const local = resolve(cwd, 'config', 'station.yaml');
  if (existsSync(local)) return { path: local, source: 'default' };
  return { path: EXAMPLE_CONFIG_PATH, source: 'example' };
}

/** The path as a person at `cwd` would type it: relative when inside cwd, absolute otherwise. */
function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

const ORIGIN: Record<ConfigSource, string> = {
  flag: 'given with --config',
  env: 'given in STATION_CONFIG',
  default: 'config/station.yaml',
  example: 'the shipped example',
};

interface ReadFile {
  text: string;
  path: string;
  shown: string;
  source: ConfigSource;
  cwd: string;
  env: Env;
}

/** Picks the file and reads it; throws NOT_FOUND / UNREADABLE. */
function readConfigFile(opts: LoadOptions): ReadFile {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const { path, source } = pick(opts.argv ?? process.argv.slice(2), env, cwd);
  const shown = displayPath(cwd, path);
  try {
    return { text: readFileSync(path, 'utf8'), path, shown, source, cwd, env };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError('NOT_FOUND', [fileIssue(shown, `no such file (${ORIGIN[source]})`)], {
        cause: err,
      });
    }
    const why = code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(err)})`;
    throw new ConfigError('UNREADABLE', [fileIssue(shown, `${why} (${ORIGIN[source]})`)], { cause: err });
  }
}

/**
 * Finds, reads and validates the station configuration: `--config PATH`, else `STATION_CONFIG`, else
 * `<cwd>/config/station.yaml`, else the shipped `config/station.yaml.example`. Throws `ConfigError`.
 * @example const { config, path, source } = loadConfig(); log.info({ path, source }, 'configuration loaded')
 */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const { text, path, shown, source, cwd, env } = readConfigFile(opts);
  return { config: parseConfig(text, shown, env, { cwd }), path, source };
}

/**
 * `loadConfig` plus `checks` that need more than the file (a process that runs batches checks their
 * sequence packages), reported with the file's own problems in one ConfigError.
 * @example await loadCheckedConfig({ checks: [checkBatchPackages] })
 */
export async function loadCheckedConfig(
  opts: LoadOptions & { checks?: readonly StationCheck[] } = {},
): Promise<LoadedConfig> {
  const { text, path, shown, source, cwd, env } = readConfigFile(opts);
  const fastDigest = configDigestFlag(opts.argv ?? process.argv.slice(2));
  const config = await parseConfigChecked(text, shown, env, { cwd, checks: opts.checks ?? [], fastDigest });
  return { config, path, source };
}
