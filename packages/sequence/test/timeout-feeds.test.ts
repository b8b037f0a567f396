import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { loadPackage } from '../src/loader.ts';
import { TWO_STEPS, tempSequencesDir, writePackage } from './helpers.ts';

let root: ReturnType<typeof tempSequencesDir>;
beforeEach(() => {
  root = tempSequencesDir();
});
afterEach(() => root.remove());

/** A package whose step `a` has a 5 s timeout and one parameter `settle` described by `param` lines. */
function manifest(param: string): string {
  return [
    'name: p',
    'version: 1.0.0',
    'parameters:',
    '  settle:',
    param,
    'steps:',
    '  - name: a',
    '    timeout: 5s',
    '  - name: b',
    '',
  ].join('\n');
}

async function load(param: string) {
  const dir = writePackage(root.dir, 'p', { 'manifest.yaml': manifest(param), 'sequence.ts': TWO_STEPS });
  return loadPackage(dir, { sequencesDir: root.dir });
}

describe('a parameter that feeds a step timeout', () => {
  test('a max that reaches the timeout is warned about, and the package still loads', async () => {
    const r = await load('    type: integer\n    max: 5000\n    unit: ms\n    feeds_timeout_of: [a]');
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([
      {
        code: 'TIMEOUT_REACHABLE',
        file: 'manifest.yaml',
        line: 6,
        column: 10,
        path: 'parameters.settle.max',
        message: 'max 5000 ms reaches the 5000 ms timeout of step "a"; lower the max or raise the timeout',
      },
    ]);
  });

  test('the unit counts: 6 s is past a 5 s timeout', async () => {
    const r = await load('    type: number\n    max: 6\n    unit: s\n    feeds_timeout_of: [a]');
    expect(r.warnings.map((w) => [w.code, w.path])).toEqual([['TIMEOUT_REACHABLE', 'parameters.settle.max']]);
  });

  test('no max at all is an unbounded range and warned about at the parameter', async () => {
    const r = await load('    type: integer\n    unit: ms\n    feeds_timeout_of: [a]');
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => [w.code, w.path, w.message])).toEqual([
      [
        'TIMEOUT_REACHABLE',
        'parameters.settle',
        '"settle" has no max, so it can reach the 5000 ms timeout of step "a"; give it a max below that',
      ],
    ]);
  });

  test('a max below the timeout, or a parameter that says nothing, gets no warning', async () => {
    const below = await load('    type: integer\n    max: 4999\n    unit: ms\n    feeds_timeout_of: [a]');
    expect(below.warnings).toEqual([]);
    const silent = await load('    type: integer\n    max: 9000\n    unit: ms');
    expect(silent.warnings).toEqual([]);
  });

  test('a unit that is not a time, and a step that does not exist, are problems', async () => {
    const r = await load('    type: integer\n    max: 10\n    unit: V\n    feeds_timeout_of: [a, nope]');
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.code, p.path, p.message])).toEqual([
      [
        'BAD_TIMEOUT_FEED',
        'parameters.settle.unit',
        'a parameter that feeds a step timeout needs unit ms or s, not "V"',
      ],
      ['BAD_TIMEOUT_FEED', 'parameters.settle.feeds_timeout_of[1]', 'no step named "nope"'],
    ]);
  });
});
