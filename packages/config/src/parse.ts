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
import { readTree, type SourceTree } from './tree.ts';
import { addSchemaIssues, dropEmptyKnownKeys } from './validate.ts';

/** Options of `parseConfig`. */
export interface ParseOptions {
  /** Folder a relative `file` is taken from (default: the process's cwd). */
  cwd?: string;
}

/** Options of `parseConfigChecked`: `parseConfig`'s plus the checks to run in the same pass. */
export interface CheckedParseOptions extends ParseOptions {
  checks?: readonly StationCheck[];
}

interface Analysis {
  tree: SourceTree;
  issues: IssueList;
  value: unknown;
  configDir: string;
}

/** Reads, defaults and checks the text, collecting every problem; throws only for YAML syntax. */
function analyse(text: string, file: string, env: Env, options: ParseOptions): Analysis {
  const configDir = dirname(resolve(options.cwd ?? process.cwd(), file));
  const tree = readTree(text, file, env);
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
  const config = resolveConfig(Value.Decode(StationConfigSchema, value), configDir);
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
  const analysis = analyse(text, file, env, options);
  const context = checkContext(analysis.value, analysis.configDir, analysis.issues);
  for (const check of options.checks ?? []) await check(context);
  return finish(analysis);
}
