// parseConfig: text in, validated StationConfig out, or one ConfigError listing every problem.
import { dirname, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { checkContext, type StationCheck } from './checks.ts';
import { ConfigError } from './errors.ts';
import { rememberEnvPointers } from './redact.ts';
import { IssueList } from './report.ts';
import { resolveConfig } from './resolve.ts';
import { type StationConfig, StationConfigSchema } from './schema.ts';
import { addSemanticIssues } from './semantic.ts';
import type { Env } from './substitute.ts';
import { readTree, readTreeFast, type SourceTree, textDigest } from './tree.ts';
import { addSchemaIssues, compiled, dropEmptyKnownKeys } from './validate.ts';

/** Options of `parseConfig`. */
export interface ParseOptions {
  /** Folder a relative `file` is taken from (default: the process's cwd). */
  cwd?: string;
}

/** Options of `parseConfigChecked`: `parseConfig`'s plus the checks to run in the same pass. */
export interface CheckedParseOptions extends ParseOptions {
  checks?: readonly StationCheck[];
  /**
   * `fastReadDigest` of this text as another process found it (the supervisor passes it to its runners as
   * `--config-digest`): when it matches, the text is read by Bun's YAML parser, hundreds of times faster;
   * a file with problems is read again the usual way, so every problem still names its line.
   */
  fastDigest?: string;
}

interface Analysis {
  tree: SourceTree;
  issues: IssueList;
  value: unknown;
  configDir: string;
}

/** Reads, defaults and checks the text, collecting every problem; throws only for YAML syntax. */
function analyse(text: string, file: string, env: Env, options: ParseOptions, fast = false): Analysis {
  const configDir = dirname(resolve(options.cwd ?? process.cwd(), file));
  const tree = (fast ? readTreeFast(text, env) : undefined) ?? readTree(text, file, env);
  if (tree.syntaxIssues.length > 0) throw new ConfigError('YAML_SYNTAX', tree.syntaxIssues);

  const issues = new IssueList(tree, file);
  for (const p of tree.problems) issues.add(p.pointer, p.message);
  // Convert first so `port: ${PORT}` (always a string after substitution) can still be a number.
  const written = dropEmptyKnownKeys(StationConfigSchema, tree.value);
  const value = Value.Default(StationConfigSchema, Value.Convert(StationConfigSchema, written));
  addSchemaIssues(StationConfigSchema, value, issues);
  addSemanticIssues(value, configDir, issues);
  return { tree, issues, value, configDir };
}

/** Throws every problem found, in file order, or returns the resolved configuration. */
function finish({ tree, issues, value, configDir }: Analysis): StationConfig {
  if (issues.issues.length > 0) {
    const inFileOrder = [...issues.issues].sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ConfigError('INVALID_CONFIG', inFileOrder);
  }
  const config = resolveConfig(compiled(StationConfigSchema).Decode(value), configDir);
  const fromEnv: [string, string[]][] = [];
  for (const [pointer, origin] of tree.origins) if (origin.fromEnv) fromEnv.push([pointer, origin.fromEnv]);
  rememberEnvPointers(config, fromEnv);
  return config;
}

/**
 * Parses and validates station.yaml text. `file` names the file in errors and locates relative paths
 * (they resolve against its folder); `env` feeds `${VAR}` substitution. Reads nothing but the
 * sequences folder (which must exist).
 * @example parseConfig(text, 'config/station.yaml', process.env)
 */
export function parseConfig(
  text: string,
  file: string,
  env: Env = {},
  options: ParseOptions = {},
): StationConfig {
  return finish(analyse(text, file, env, options));
}

/**
 * `parseConfig` plus `options.checks`, run in the same pass: one ConfigError lists the file's own
 * problems and the checks' together.
 * @example await parseConfigChecked(text, file, env, { checks: [checkBatchPackages] })
 */
export async function parseConfigChecked(
  text: string,
  file: string,
  env: Env = {},
  options: CheckedParseOptions = {},
): Promise<StationConfig> {
  const fast = options.fastDigest !== undefined && options.fastDigest === textDigest(text);
  const analysis = analyse(text, file, env, options, fast);
  const context = checkContext(analysis.value, analysis.configDir, analysis.issues);
  for (const check of options.checks ?? []) await check(context);
  // Read the fast way, problems have no place in the file: read it again to name their lines.
  if (fast && analysis.issues.issues.length > 0)
    return parseConfigChecked(text, file, env, { ...options, fastDigest: undefined });
  return finish(analysis);
}
