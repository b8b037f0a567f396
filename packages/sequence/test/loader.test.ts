import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSequenceError } from '../src/errors.ts';
import { listPackages } from '../src/list.ts';
import { loadPackage, requirePackage } from '../src/loader.ts';
import { resolvePackageDir } from '../src/paths.ts';
import { manifestText, TWO_STEPS, tempSequencesDir, writePackage } from './helpers.ts';

let root: ReturnType<typeof tempSequencesDir>;
beforeEach(() => {
  root = tempSequencesDir();
});
afterEach(() => root.remove());

async function problemsOf(name: string, files: Record<string, string>) {
  const dir = writePackage(root.dir, name, files);
  const r = await loadPackage(dir, { sequencesDir: root.dir });
  return r.problems;
}

describe('loadPackage reports each problem with its location', () => {
  test('manifest schema error names file, line, column and field', async () => {
    const manifest = 'name: p\nversion: 1.0.0\nsteps:\n  - name: a\n    retries: -1\n  - name: b\n';
    expect(await problemsOf('p', { 'manifest.yaml': manifest, 'sequence.ts': TWO_STEPS })).toEqual([
      {
        code: 'SCHEMA',
        file: 'manifest.yaml',
        line: 5,
        column: 5,
        path: 'steps[0].retries',
        message: 'expected an integer >= 0',
      },
    ]);
  });

  test('unknown and missing manifest keys are named', async () => {
    const manifest = 'name: p\nversoin: 1.0.0\nsteps:\n  - name: a\n  - name: b\n';
    expect(await problemsOf('p', { 'manifest.yaml': manifest, 'sequence.ts': TWO_STEPS })).toEqual([
      {
        code: 'SCHEMA',
        file: 'manifest.yaml',
        line: 1,
        column: 1,
        path: 'version',
        message: 'missing required key "version"',
      },
      {
        code: 'SCHEMA',
        file: 'manifest.yaml',
        line: 2,
        column: 1,
        path: 'versoin',
        message: 'unknown key "versoin"',
      },
    ]);
  });

  test('display names: an unknown language, an empty name and an empty mapping are each located', async () => {
    const manifest = [
      'name: p',
      'version: 1.0.0',
      'parameters:',
      '  volts: { type: number, display: { ko: 전압, fr: Tension } }',
      'steps:',
      '  - name: a',
      '    display: {}',
      '    measurements:',
      '      - { name: v, display: { en: "" } }',
      '  - name: b',
      '',
    ].join('\n');
    const problems = await problemsOf('p', { 'manifest.yaml': manifest, 'sequence.ts': TWO_STEPS });
    expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [4, 'parameters.volts.display.fr', 'expected a mapping of ko, en to the name shown in that language'],
      [7, 'steps[0].display', 'expected a mapping of ko, en to the name shown in that language'],
      [9, 'steps[0].measurements[0].display.en', 'expected a name in English'],
    ]);
  });

  test("a step's prompts per language are kept for the UI; a prompt without its message is located", async () => {
    const manifest = (prompts: string[]) =>
      [
        'name: p',
        'version: 1.0.0',
        'steps:',
        '  - name: a',
        '    prompts:',
        ...prompts,
        '  - name: b',
        '',
      ].join('\n');
    const good = manifest([
      '      - message: Insert the unit. Done?',
      '        display: { ko: 제품을 넣으세요. 완료했습니까?, en: Insert the unit and close the lid. Done? }',
    ]);
    const dir = writePackage(root.dir, 'p', { 'manifest.yaml': good, 'sequence.ts': TWO_STEPS });
    const r = await loadPackage(dir, { sequencesDir: root.dir });
    if (!r.ok) throw new Error(`not loaded: ${JSON.stringify(r.problems)}`);
    expect(r.package.manifest.steps[0]?.prompts).toEqual([
      {
        message: 'Insert the unit. Done?',
        display: { ko: '제품을 넣으세요. 완료했습니까?', en: 'Insert the unit and close the lid. Done?' },
      },
    ]);
    const bad = manifest(['      - display: { ko: 제품을 넣으세요 }']);
    const problems = await problemsOf('q', {
      'manifest.yaml': bad.replace('name: p', 'name: q'),
      'sequence.ts': TWO_STEPS,
    });
    expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [6, 'steps[0].prompts[0].message', 'missing required key "message"'],
    ]);
  });

  test('YAML syntax error has a line', async () => {
    const manifest = 'name: p\nversion: 1.0.0\nsteps: [\n';
    const problems = await problemsOf('p', { 'manifest.yaml': manifest, 'sequence.ts': TWO_STEPS });
    expect(
      problems.map((p) => ({ code: p.code, file: p.file, hasLine: typeof p.line === 'number' })),
    ).toEqual([{ code: 'YAML_SYNTAX', file: 'manifest.yaml', hasLine: true }]);
  });

  test('a listed step without an exported function', async () => {
    const code = 'export async function a() {}\n';
    expect(await problemsOf('p', { 'manifest.yaml': manifestText('p'), 'sequence.ts': code })).toEqual([
      {
        code: 'STEP_NOT_EXPORTED',
        file: 'manifest.yaml',
        line: 6,
        column: 11,
        path: 'steps[1].name',
        message: 'step "b" is listed but sequence.ts does not export "b"',
      },
    ]);
  });

  test('an exported function not listed as a step', async () => {
    const code = `${TWO_STEPS}\nexport const helper = () => 1;\n`;
    expect(await problemsOf('p', { 'manifest.yaml': manifestText('p'), 'sequence.ts': code })).toEqual([
      {
        code: 'EXPORT_NOT_LISTED',
        file: 'sequence.ts',
        line: 4,
        column: 1,
        message: 'exported function "helper" is not a step in manifest.yaml; list it or stop exporting it',
      },
    ]);
  });

  test('a driver that does not exist', async () => {
    const hw = 'hardware:\n  psu:\n    driver: no_such_driver\n';
    const problems = await problemsOf('p', {
      'manifest.yaml': manifestText('p', hw),
      'sequence.ts': TWO_STEPS,
    });
    expect(problems).toEqual([
      {
        code: 'UNKNOWN_DRIVER',
        file: 'manifest.yaml',
        line: 6,
        column: 13,
        path: 'hardware.psu.driver',
        message:
          'unknown driver "no_such_driver": no drivers/no_such_driver.ts in the package and no built-in driver of that name (built-in: sim_psu, sim_dmm)',
      },
    ]);
  });

  test('a driver that does not implement the interface', async () => {
    const hw = 'hardware:\n  psu:\n    driver: half\n';
    const driver = 'export default { create: () => ({ connect() {}, commands: {} }) };\n';
    const problems = await problemsOf('p', {
      'manifest.yaml': manifestText('p', hw),
      'sequence.ts': TWO_STEPS,
      'drivers/half.ts': driver,
    });
    expect(problems).toEqual([
      {
        code: 'BAD_DRIVER',
        file: 'drivers/half.ts',
        path: 'hardware.psu.driver',
        message: 'drivers/half.ts: missing method disconnect()',
      },
    ]);
  });

  test('a driver module without a definition', async () => {
    const hw = 'hardware:\n  psu:\n    driver: bare\n';
    const problems = await problemsOf('p', {
      'manifest.yaml': manifestText('p', hw),
      'sequence.ts': TWO_STEPS,
      'drivers/bare.ts': 'export const x = 1;\n',
    });
    expect(problems).toEqual([
      {
        code: 'BAD_DRIVER',
        file: 'drivers/bare.ts',
        path: 'hardware.psu.driver',
        message:
          'drivers/bare.ts: default export must be a driver definition with a create(options, env) function',
      },
    ]);
  });

  test('a parameter default outside its own limits and enum', async () => {
    const params =
      'parameters:\n  volts: { type: number, default: 40, min: 0, max: 30 }\n  mode:\n    type: string\n    default: fast\n    enum: [slow, normal]\n';
    const problems = await problemsOf('p', {
      'manifest.yaml': manifestText('p', params),
      'sequence.ts': TWO_STEPS,
    });
    expect(problems).toEqual([
      {
        code: 'BAD_DEFAULT',
        file: 'manifest.yaml',
        line: 5,
        column: 35,
        path: 'parameters.volts.default',
        message: 'default 40 is out of range: expected between 0 and 30',
      },
      {
        code: 'BAD_DEFAULT',
        file: 'manifest.yaml',
        line: 8,
        column: 14,
        path: 'parameters.mode.default',
        message: 'default "fast" is not allowed: expected one of "slow", "normal"',
      },
    ]);
  });

  test('a parameter named constructor or prototype (reserved)', async () => {
    const params =
      'parameters:\n  constructor: { type: number, default: 1 }\n  prototype: { type: number, default: 1 }\n';
    const problems = await problemsOf('p', {
      'manifest.yaml': manifestText('p', params),
      'sequence.ts': TWO_STEPS,
    });
    expect(problems).toEqual(
      ['constructor', 'prototype'].map((name, i) => ({
        code: 'SCHEMA',
        file: 'manifest.yaml',
        line: 5 + i,
        column: 3,
        path: `parameters.${name}`,
        message: `"${name}" is a reserved name; call the parameter something else`,
      })),
    );
  });

  test('duplicate step names', async () => {
    const manifest = 'name: p\nversion: 1.0.0\nsteps:\n  - name: a\n  - name: b\n  - name: a\n';
    expect(await problemsOf('p', { 'manifest.yaml': manifest, 'sequence.ts': TWO_STEPS })).toEqual([
      {
        code: 'DUPLICATE_STEP',
        file: 'manifest.yaml',
        line: 6,
        column: 11,
        path: 'steps[2].name',
        message: 'duplicate step name "a" (first at steps[0])',
      },
    ]);
  });

  test('impossible measurement limits', async () => {
    const manifest =
      'name: p\nversion: 1.0.0\nsteps:\n  - name: a\n    measurements:\n      - { name: v, low: 5, high: 1 }\n  - name: b\n';
    expect(await problemsOf('p', { 'manifest.yaml': manifest, 'sequence.ts': TWO_STEPS })).toEqual([
      {
        code: 'BAD_LIMITS',
        file: 'manifest.yaml',
        line: 6,
        column: 25,
        path: 'steps[0].measurements[0].low',
        message: 'low limit 5 is above high limit 1',
      },
    ]);
  });

  test('unparseable sequence.ts carries the import error', async () => {
    const code = `${TWO_STEPS}\nexport const limit = ;\n`;
    expect(await problemsOf('p', { 'manifest.yaml': manifestText('p'), 'sequence.ts': code })).toEqual([
      {
        code: 'IMPORT_FAILED',
        file: 'sequence.ts',
        line: 4,
        column: 22,
        message: 'cannot import: Unexpected ;',
      },
    ]);
  });

  test('a runtime import in sequence.ts', async () => {
    const code = `import type { StepContext } from '@station/sequence';\nimport { join } from 'node:path';\n${TWO_STEPS}`;
    expect(await problemsOf('p', { 'manifest.yaml': manifestText('p'), 'sequence.ts': code })).toEqual([
      {
        code: 'RUNTIME_IMPORT',
        file: 'sequence.ts',
        line: 2,
        column: 22,
        message:
          'imports "node:path" at run time; sequence.ts may only use type-only imports (import type ...)',
      },
    ]);
  });

  test('missing files', async () => {
    mkdirSync(join(root.dir, 'empty'));
    const r = await loadPackage(join(root.dir, 'empty'), { sequencesDir: root.dir });
    expect(r.problems).toEqual([
      { code: 'MISSING_FILE', file: 'manifest.yaml', message: 'manifest.yaml is missing' },
      { code: 'MISSING_FILE', file: 'sequence.ts', message: 'sequence.ts is missing' },
    ]);
  });

  test('manifest name differing from the folder', async () => {
    expect(
      await problemsOf('folder', { 'manifest.yaml': manifestText('other'), 'sequence.ts': TWO_STEPS }),
    ).toEqual([
      {
        code: 'NAME_MISMATCH',
        file: 'manifest.yaml',
        line: 1,
        column: 7,
        path: 'name',
        message: 'name "other" differs from the folder name "folder"; requests name packages by folder',
      },
    ]);
  });

  test('a package or driver name off the package-name rule is refused, naming the rule and where', async () => {
    const manifest = manifestText('p.q', 'hardware:\n  dmm: { driver: sim.dmm }\n');
    expect(await problemsOf('p', { 'manifest.yaml': manifest, 'sequence.ts': TWO_STEPS })).toEqual([
      {
        code: 'SCHEMA',
        file: 'manifest.yaml',
        line: 1,
        column: 1,
        path: 'name',
        message: 'expected a package name (1-64 letters, digits, "_" or "-")',
      },
      {
        code: 'SCHEMA',
        file: 'manifest.yaml',
        line: 5,
        column: 10,
        path: 'hardware.dmm.driver',
        message: 'expected a driver name (1-64 letters, digits, "_" or "-")',
      },
    ]);
  });

  test('a package folder outside sequencesDir, through a symlink', async () => {
    const outside = tempSequencesDir();
    try {
      writePackage(outside.dir, 'evil', { 'manifest.yaml': manifestText('evil'), 'sequence.ts': TWO_STEPS });
      symlinkSync(join(outside.dir, 'evil'), join(root.dir, 'evil'));
      const r = await loadPackage(join(root.dir, 'evil'), { sequencesDir: root.dir });
      expect(r.problems.map((p) => p.code)).toEqual(['OUTSIDE_SEQUENCES_DIR']);
      expect(r.problems[0]?.message).toContain('outside the sequences directory');
      expect(() => resolvePackageDir(root.dir, 'evil')).toThrow('resolves outside');
    } finally {
      outside.remove();
    }
  });

  test('all problems of a package are reported together', async () => {
    const manifest =
      'name: p\nversion: 1.0.0\nhardware:\n  x: { driver: nope }\nsteps:\n  - name: a\n  - name: c\n';
    const problems = await problemsOf('p', { 'manifest.yaml': manifest, 'sequence.ts': TWO_STEPS });
    expect(problems.map((p) => `${p.code}@${p.file}:${p.line}`)).toEqual([
      'STEP_NOT_EXPORTED@manifest.yaml:7',
      'EXPORT_NOT_LISTED@sequence.ts:2',
      'UNKNOWN_DRIVER@manifest.yaml:4',
    ]);
  });
});

describe('one manifest with every kind of mistake', () => {
  // Each mistake alone was already found; together, the schema mistake hid the rules, the rules hid the
  // step and driver checks, and a sequence.ts that threw while loading had no line.
  const manifest = [
    'name: p', // 1
    'version: 1.0.0', // 2
    'parameters:', // 3
    '  volts: { type: number, default: 40, min: 0, max: 30 }', // 4
    '  amps: { type: number, min: 5, max: 1, default: 2 }', // 5
    'hardware:', // 6
    '  psu: { driver: nope }', // 7
    'steps:', // 8
    '  - name: a', // 9
    '    colour: red', // 10
    '  - name: b', // 11
    '  - name: a', // 12
    '',
  ].join('\n');
  const sequence = [
    'export async function a() {}', // 1
    'export async function b() {}', // 2
    'const table: Record<string, { volts: number }> = {};', // 3
    'export const nominal = table.missing.volts;', // 4
    '',
  ].join('\n');

  test('all of them are reported at once, each with file, line and column', async () => {
    expect(await problemsOf('p', { 'manifest.yaml': manifest, 'sequence.ts': sequence })).toEqual([
      {
        code: 'BAD_DEFAULT',
        file: 'manifest.yaml',
        line: 4,
        column: 35,
        path: 'parameters.volts.default',
        message: 'default 40 is out of range: expected between 0 and 30',
      },
      {
        code: 'BAD_LIMITS',
        file: 'manifest.yaml',
        line: 5,
        column: 30,
        path: 'parameters.amps.min',
        message: 'min 5 is above max 1',
      },
      {
        code: 'SCHEMA',
        file: 'manifest.yaml',
        line: 10,
        column: 5,
        path: 'steps[0].colour',
        message: 'unknown key "colour"',
      },
      {
        code: 'DUPLICATE_STEP',
        file: 'manifest.yaml',
        line: 12,
        column: 11,
        path: 'steps[2].name',
        message: 'duplicate step name "a" (first at steps[0])',
      },
      {
        code: 'IMPORT_FAILED',
        file: 'sequence.ts',
        line: 4,
        column: 30,
        message: "cannot import: undefined is not an object (evaluating 'table.missing.volts')",
      },
      {
        code: 'UNKNOWN_DRIVER',
        file: 'manifest.yaml',
        line: 7,
        column: 18,
        path: 'hardware.psu.driver',
        message:
          'unknown driver "nope": no drivers/nope.ts in the package and no built-in driver of that name (built-in: sim_psu, sim_dmm)',
      },
    ]);
  });

  test('a step missing from sequence.ts is found even when the manifest has a schema mistake', async () => {
    const code = 'export async function a() {}\n';
    const problems = await problemsOf('p', { 'manifest.yaml': manifest, 'sequence.ts': code });
    expect(problems.map((p) => `${p.code}@${p.file}:${p.line}:${p.column}`)).toEqual([
      'BAD_DEFAULT@manifest.yaml:4:35',
      'BAD_LIMITS@manifest.yaml:5:30',
      'SCHEMA@manifest.yaml:10:5',
      'DUPLICATE_STEP@manifest.yaml:12:11',
      'STEP_NOT_EXPORTED@manifest.yaml:11:11',
      'UNKNOWN_DRIVER@manifest.yaml:7:18',
    ]);
  });

  test('a driver that throws while loading is located in its own file', async () => {
    const driver = 'export default {\n  create() { return {}; },\n};\nthrow new Error("no such port");\n';
    const problems = await problemsOf('p', {
      'manifest.yaml': manifestText('p', 'hardware:\n  x: { driver: local }\n'),
      'sequence.ts': TWO_STEPS,
      'drivers/local.ts': driver,
    });
    expect(problems).toEqual([
      {
        code: 'BAD_DRIVER',
        file: 'drivers/local.ts',
        line: 4,
        column: 11,
        path: 'hardware.x.driver',
        message: 'cannot import drivers/local.ts: no such port',
      },
    ]);
  });
});

describe('resolvePackageDir', () => {
  test.each([['..'], ['.'], ['a/b'], ['/etc'], ['../x'], ['a b'], ['näme'], [''], ['a.b'], ['x'.repeat(65)]])(
    'rejects %p',
    (name) => {
      let code: string | undefined;
      try {
        resolvePackageDir(root.dir, name);
      } catch (err) {
        code = isSequenceError(err) ? err.code : 'other';
      }
      expect(code).toBe('BAD_REQUEST');
    },
  );

  test('the refusal names the rule', () => {
    expect(() => resolvePackageDir(root.dir, 'psu.functional')).toThrow(
      'invalid sequence package name "psu.functional": expected 1-64 letters, digits, "_" or "-"',
    );
  });

  test('a missing package is NOT_FOUND; an existing one resolves to its real path', () => {
    writePackage(root.dir, 'ok', { 'manifest.yaml': manifestText('ok') });
    expect(() => resolvePackageDir(root.dir, 'absent')).toThrow('no sequence package named "absent"');
    expect(resolvePackageDir(root.dir, 'ok')).toBe(join(root.dir, 'ok'));
  });
});

describe('a valid package', () => {
  test('yields manifest, steps, drivers and a stable content hash', async () => {
    const hw = 'hardware:\n  psu:\n    driver: sim_psu\n';
    writePackage(root.dir, 'good', { 'manifest.yaml': manifestText('good', hw), 'sequence.ts': TWO_STEPS });
    const first = await requirePackage(root.dir, 'good');
    const again = await requirePackage(root.dir, 'good');
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(again.hash).toBe(first.hash);
    expect(Object.keys(first.steps)).toEqual(['a', 'b']);
    expect(Object.keys(first.drivers)).toEqual(['sim_psu']);
    expect(first.manifest.steps[0]).toEqual({
      name: 'a',
      timeoutMs: 60_000,
      retries: 0,
      retryDelayMs: 0,
      cleanup: false,
      measurements: [],
    });
    writeFileSync(join(root.dir, 'good', 'drivers-note.txt'), 'not part of the hash');
    expect((await requirePackage(root.dir, 'good')).hash).toBe(first.hash);
    writePackage(root.dir, 'good', { 'drivers/extra.ts': 'export default {};\n' });
    expect((await requirePackage(root.dir, 'good')).hash).not.toBe(first.hash);
  });

  test('display names of steps, parameters and measurements reach the typed manifest', async () => {
    const manifest = [
      'name: p',
      'version: 1.0.0',
      'parameters:',
      '  volts: { type: number, default: 5, display: { ko: 출력 전압, en: Output voltage } }',
      'steps:',
      '  - name: a',
      '    display: { ko: 출력 확인 }',
      '    measurements:',
      '      - { name: v, display: { ko: 전압, en: Voltage } }',
      '  - name: b',
      '',
    ].join('\n');
    writePackage(root.dir, 'p', { 'manifest.yaml': manifest, 'sequence.ts': TWO_STEPS });
    const m = (await requirePackage(root.dir, 'p')).manifest;
    expect(m.parameters.volts!.display).toEqual({ ko: '출력 전압', en: 'Output voltage' });
    expect(m.steps[0]!.display).toEqual({ ko: '출력 확인' });
    expect(m.steps[0]!.measurements[0]!.display).toEqual({ ko: '전압', en: 'Voltage' });
    expect(m.steps[1]!.display).toBeUndefined();
  });

  test('YAML anchors and aliases read as the anchored values', async () => {
    const manifest =
      'name: alias\nversion: 1.0.0\nsteps:\n  - name: a\n    timeout: &t 2s\n    measurements:\n      - &v { name: v, low: 1, high: 2 }\n  - name: b\n    timeout: *t\n    measurements: [*v]\n';
    writePackage(root.dir, 'alias', { 'manifest.yaml': manifest, 'sequence.ts': TWO_STEPS });
    const pkg = await requirePackage(root.dir, 'alias');
    expect(pkg.manifest.steps.map((s) => [s.timeoutMs, s.measurements])).toEqual([
      [2000, [{ name: 'v', low: 1, high: 2 }]],
      [2000, [{ name: 'v', low: 1, high: 2 }]],
    ]);
  });

  test('a package-local driver takes precedence over the built-in of the same name', async () => {
    const hw = 'hardware:\n  psu:\n    driver: sim_psu\n';
    const local =
      "export default { description: 'local', create: () => ({ connect() {}, disconnect() {}, commands: {} }) };\n";
    writePackage(root.dir, 'own', {
      'manifest.yaml': manifestText('own', hw),
      'sequence.ts': TWO_STEPS,
      'drivers/sim_psu.ts': local,
    });
    const pkg = await requirePackage(root.dir, 'own');
    expect(pkg.drivers.sim_psu?.description).toBe('local');
  });

  test('requirePackage throws INVALID_PACKAGE with the problems', async () => {
    writePackage(root.dir, 'bad', { 'manifest.yaml': manifestText('bad') });
    const err = await requirePackage(root.dir, 'bad').catch((e: unknown) => e);
    expect(isSequenceError(err, 'INVALID_PACKAGE')).toBe(true);
    expect((err as { details: { problems: unknown[] } }).details.problems).toEqual([
      { code: 'MISSING_FILE', file: 'sequence.ts', message: 'sequence.ts is missing' },
    ]);
  });
});

test('listPackages summarises valid and invalid packages by folder name', async () => {
  writePackage(root.dir, 'b_good', { 'manifest.yaml': manifestText('b_good'), 'sequence.ts': TWO_STEPS });
  writePackage(root.dir, 'a_bad', {
    'manifest.yaml': 'name: a_bad\nversion: 2.0.0\ndescription: broken\nsteps: []\n',
  });
  const list = await listPackages(root.dir);
  expect(list.map((p) => ({ ...p, hash: p.hash === undefined ? undefined : 'hash' }))).toEqual([
    {
      name: 'a_bad',
      version: '2.0.0',
      description: 'broken',
      valid: false,
      hash: undefined,
      problems: [
        {
          code: 'SCHEMA',
          file: 'manifest.yaml',
          line: 4,
          column: 1,
          path: 'steps',
          message: 'expected a list of at least one step',
        },
        { code: 'MISSING_FILE', file: 'sequence.ts', message: 'sequence.ts is missing' },
      ],
      warnings: [],
    },
    {
      name: 'b_good',
      version: '1.0.0',
      description: 'test',
      valid: true,
      hash: 'hash',
      problems: [],
      warnings: [],
    },
  ]);
});

describe('checked manifests are cached by package hash', () => {
  const cacheDirOf = () => join(root.dir, '..', `${root.dir.split('/').pop()}-cache`);
  afterEach(() => rmSync(cacheDirOf(), { recursive: true, force: true }));
  const entries = () => readdirSync(join(cacheDirOf(), 'packages'));

  test('a second load of the same package reads the entry and yields the same package', async () => {
    const dir = writePackage(root.dir, 'p', {
      'manifest.yaml': manifestText('p', 'parameters:\n  v: { type: number, default: 5, min: 0, max: 20 }\n'),
      'sequence.ts': TWO_STEPS,
    });
    const first = await loadPackage(dir, { sequencesDir: root.dir, cacheDir: cacheDirOf() });
    expect(entries()).toHaveLength(1);
    const second = await loadPackage(dir, { sequencesDir: root.dir, cacheDir: cacheDirOf() });
    if (!first.ok || !second.ok) throw new Error('the package did not load');
    expect(second.package.manifest).toEqual(first.package.manifest);
    expect(second.package.hash).toBe(first.package.hash);
    expect(Object.keys(second.package.steps)).toEqual(['a', 'b']);
    expect(second.warnings).toEqual(first.warnings);
  });

  test('an edited manifest is checked again: its new mistake is reported, never hidden by the entry', async () => {
    const dir = writePackage(root.dir, 'p', { 'manifest.yaml': manifestText('p'), 'sequence.ts': TWO_STEPS });
    expect((await loadPackage(dir, { sequencesDir: root.dir, cacheDir: cacheDirOf() })).ok).toBe(true);
    writeFileSync(
      join(dir, 'manifest.yaml'),
      'name: p\nversion: 1.0.0\nsteps:\n  - name: a\n    retries: -1\n  - name: b\n',
    );
    const again = await loadPackage(dir, { sequencesDir: root.dir, cacheDir: cacheDirOf() });
    expect(again.ok).toBe(false);
    expect(again.problems.map((p) => [p.code, p.path, p.line])).toEqual([['SCHEMA', 'steps[0].retries', 5]]);
  });

  test('an unreadable entry is parsed again and replaced; a package with problems is never cached', async () => {
    const dir = writePackage(root.dir, 'p', { 'manifest.yaml': manifestText('p'), 'sequence.ts': TWO_STEPS });
    await loadPackage(dir, { sequencesDir: root.dir, cacheDir: cacheDirOf() });
    const [entry] = entries();
    writeFileSync(join(cacheDirOf(), 'packages', entry!), '{"manifest": tru');
    const again = await loadPackage(dir, { sequencesDir: root.dir, cacheDir: cacheDirOf() });
    expect(again.ok && again.package.manifest.name).toBe('p');
    expect(JSON.parse(readFileSync(join(cacheDirOf(), 'packages', entry!), 'utf8')).manifest.name).toBe('p');

    const bad = writePackage(root.dir, 'q', {
      'manifest.yaml': manifestText('q'),
      'sequence.ts': 'export async function a() {}\n',
    });
    const refused = await loadPackage(bad, { sequencesDir: root.dir, cacheDir: cacheDirOf() });
    expect(refused.problems.map((p) => p.code)).toEqual(['STEP_NOT_EXPORTED']);
    expect(entries()).toHaveLength(1);
  });
});
