// package-lock.json says which packages run install scripts. A fresh clone's `npm install` trusts it: a
// lock without `hasInstallScript` on bun leaves Bun's binary unfetched and the install fails, and a lock
// that differs from what npm would write is rewritten by the first `npm install` (a changed tracked file).
import { expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './support/station.ts';

interface LockEntry {
  hasInstallScript?: boolean;
  dev?: boolean;
}

const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

/** Whether the installed package at `path` (a lock key) declares an install script. */
function declaresInstallScript(path: string): boolean {
  const file = join(REPO, path, 'package.json');
  if (!existsSync(file)) return false;
  const scripts = (JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> }).scripts;
  return INSTALL_SCRIPTS.some((s) => scripts?.[s] !== undefined);
}

test('every package with an install script is marked hasInstallScript in package-lock.json', () => {
  const installed = Object.keys(lock.packages).filter((path) => path.startsWith('node_modules/'));
  const withScripts = installed.filter(declaresInstallScript);
  // bun fetches its binary in postinstall: the one a fresh clone cannot do without.
  expect(withScripts).toContain('node_modules/bun');
  expect(withScripts.filter((path) => lock.packages[path]?.hasInstallScript !== true)).toEqual([]);
});

test('the root package is marked too (its postinstall builds the UI)', () => {
  expect(lock.packages['']?.hasInstallScript).toBe(true);
});
