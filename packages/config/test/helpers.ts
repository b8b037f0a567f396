// Temporary station folders for the config tests: each gets a config/ and a sequences/ folder and is
// removed after the test, whatever happened.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, type ConfigIssue, parseConfig } from '../src/index.ts';

const made: string[] = [];

/** Removes every folder made by `tempStation`; each test file registers it with `afterEach`. */
export function removeTempStations(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh folder laid out like a checkout: `<root>/config/`, `<root>/sequences/`. */
export function tempStation(): string {
  const root = mkdtempSync(join(tmpdir(), 'station-config-'));
  made.push(root);
  mkdirSync(join(root, 'config'));
  mkdirSync(join(root, 'sequences'));
  return root;
}

/** Writes `text` to `root/rel` (creating folders) and returns the absolute path. */
export function writeAt(root: string, rel: string, text: string): string {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Runs `fn`, expecting a ConfigError, and returns it. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, got a result');
}

/** Joins lines: YAML in tests reads better as an array than as an indented template. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Parses `text` as `<root>/station.yaml` (shown as `station.yaml`) and returns the error's issues. */
export function issuesOf(
  text: string,
  env: Record<string, string> = {},
): { root: string; issues: readonly ConfigIssue[] } {
  const root = tempStation();
  const err = configError(() => parseConfig(text, 'station.yaml', env, { cwd: root }));
  return { root, issues: err.issues };
}

export const at = (
  line: number,
  column: number,
  path: string,
  message: string,
  extra: Partial<ConfigIssue> = {},
) => ({
  file: 'station.yaml',
  line,
  column,
  path,
  message,
  ...extra,
});
