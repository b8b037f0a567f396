import { expect, test } from 'bun:test';
import { isValidPackageName } from '../src/names.ts';

test.each([
  ['psu_functional', true],
  ['PSU-2', true],
  ['x'.repeat(64), true],
  ['x'.repeat(65), false], // bounded: folder, archive and URL segment stay short
  ['', false],
  ['psu.functional', false], // no dot: `<name>-<version>.tgz` splits one way only, no `..` or hidden folder
  ['..', false],
  ['.hidden', false],
  ['a/b', false],
  ['a\\b', false],
  ['a b', false],
  ['näme', false],
  ['psu\0', false],
])('%p is a package name: %p', (name, valid) => {
  expect(isValidPackageName(name)).toBe(valid);
});
