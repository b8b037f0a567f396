// `station validate`: every problem of every package with file:line:column, as text and as JSON, and an
// exit code a CI job can use.
import { expect, test } from 'bun:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProblemCode } from '@station/sequence';
import type { PackageReport } from '../src/validate.ts';
import { station, tempDir, withPackages } from './station.ts';

/** A manifest that is not YAML and a sequence.ts that is not TypeScript (kept out of the repo's tsc). */
function brokenFiles(dir: string): void {
  mkdirSync(join(dir, 'broken_files'));
  writeFileSync(
    join(dir, 'broken_files/manifest.yaml'),
    'name: broken_files\nversion: 1.0.0\nsteps:\n  - name: a\n    timeout: [1s\n',
  );
  writeFileSync(join(dir, 'broken_files/sequence.ts'), 'export async function a() {\n  const x = ;\n}\n');
}

const FOLDERS = ['every_mistake', 'broken_files', 'no_files', 'missing_folder', 'almost_right', 'exit_codes'];

/** Each package's problems (then warnings) as `CODE file:line:column`. */
const EXPECTED: Record<string, { valid: boolean; problems: string[]; warnings: string[] }> = {
  every_mistake: {
    valid: false,
    problems: [
      'SCHEMA manifest.yaml:5:1', // colour: an unknown key
      'BAD_DEFAULT manifest.yaml:10:14', // volts default 50 above max 30
      'BAD_LIMITS manifest.yaml:15:10', // span min 10 > max 1
      'BAD_TIMEOUT_FEED manifest.yaml:21:24', // feeds a step that does not exist
      'BAD_PATTERN manifest.yaml:38:19', // dut.serial_pattern that does not compile
      'SCHEMA manifest.yaml:43:5', // retires: (a misspelt retries)
      'BAD_LIMITS manifest.yaml:45:25', // low 5 > high 1
      'BAD_LIMITS manifest.yaml:46:31', // equals with low
      'DUPLICATE_STEP manifest.yaml:47:11',
      'RUNTIME_IMPORT sequence.ts:2:30',
      'MISSING_ASSET sequence.ts:6:55', // a prompt's image that is not in assets/
      'STEP_NOT_EXPORTED manifest.yaml:48:11',
      'EXPORT_NOT_LISTED sequence.ts:9:1',
      'UNKNOWN_DRIVER manifest.yaml:33:13',
      'BAD_DRIVER drivers/broken.ts',
    ],
    warnings: [],
  },
  broken_files: {
    valid: false,
    problems: ['YAML_SYNTAX manifest.yaml:6:1', 'IMPORT_FAILED sequence.ts:2:13'],
    warnings: [],
  },
  no_files: {
    valid: false,
    problems: ['MISSING_FILE manifest.yaml', 'MISSING_FILE sequence.ts'],
    warnings: [],
  },
  missing_folder: { valid: false, problems: ['NOT_FOUND .'], warnings: [] },
  almost_right: {
    valid: false,
    problems: ['NAME_MISMATCH manifest.yaml:2:7'],
    warnings: ['TIMEOUT_REACHABLE manifest.yaml:5:3'],
  },
  exit_codes: { valid: true, problems: [], warnings: [] },
};

/** Each problem code `station validate` can meet; a code added to the loader does not compile here until covered. */
const REACHABLE: Record<Exclude<ProblemCode, 'OUTSIDE_SEQUENCES_DIR'>, true> = {
  NOT_FOUND: true,
  MISSING_FILE: true,
  YAML_SYNTAX: true,
  SCHEMA: true,
  NAME_MISMATCH: true,
  DUPLICATE_STEP: true,
  BAD_DEFAULT: true,
  BAD_LIMITS: true,
  BAD_TIMEOUT_FEED: true,
  BAD_PATTERN: true,
  TIMEOUT_REACHABLE: true,
  IMPORT_FAILED: true,
  RUNTIME_IMPORT: true,
  STEP_NOT_EXPORTED: true,
  EXPORT_NOT_LISTED: true,
  UNKNOWN_DRIVER: true,
  BAD_DRIVER: true,
  MISSING_ASSET: true,
};

const at = (p: { code: string; file: string; line?: number; column?: number }) =>
  `${p.code} ${p.file}${p.line === undefined ? '' : `:${p.line}:${p.column}`}`;

test('--json: every problem of every package, located, in the order given; exit 1', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'every_mistake', 'no_files', 'almost_right', 'exit_codes');
  brokenFiles(tmp.dir);
  const r = await station(['validate', ...FOLDERS, '--json'], tmp.dir);
  expect({ code: r.code, err: r.err }).toEqual({ code: 1, err: '' });
  const body = JSON.parse(r.out) as { valid: boolean; packages: PackageReport[] };
  expect(body.valid).toBe(false);
  expect(body.packages.map((p) => p.folder)).toEqual(FOLDERS);
  const seen = Object.fromEntries(
    body.packages.map((p) => [
      p.folder,
      { valid: p.valid, problems: p.problems.map(at), warnings: p.warnings.map(at) },
    ]),
  );
  expect(seen).toEqual(EXPECTED);
  // Every code the loader has, but OUTSIDE_SEQUENCES_DIR: a folder given here is its own parent's.
  const codes = new Set<string>(
    body.packages.flatMap((p) => [...p.problems, ...p.warnings].map((x) => x.code)),
  );
  expect([...codes].sort()).toEqual(Object.keys(REACHABLE).sort());
  // Every problem says what is wrong, and the valid package carries the hash its results will record.
  for (const p of body.packages.flatMap((x) => x.problems)) expect(p.message.length).toBeGreaterThan(10);
  expect(body.packages.at(-1)).toMatchObject({
    name: 'exit_codes',
    version: '1.2.3',
    hash: expect.stringMatching(/^[0-9a-f]{64}$/),
  });
});

test('text: one editor-clickable line per problem, a verdict per package', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'every_mistake', 'no_files', 'almost_right', 'exit_codes');
  brokenFiles(tmp.dir);
  const r = await station(['validate', ...FOLDERS], tmp.dir);
  expect({ code: r.code, err: r.err }).toEqual({ code: 1, err: '' });
  const lines = r.out.trimEnd().split('\n');
  expect(lines.filter((l) => /^(valid|invalid) /.test(l))).toEqual([
    'invalid  every_mistake (not_the_folder) 1.0.0: 15 problems',
    'invalid  broken_files: 2 problems', // the YAML did not parse: no version to tell
    'invalid  no_files: 2 problems',
    'invalid  missing_folder: 1 problem',
    'invalid  almost_right (almost) 1.0.0: 1 problem, 1 warning',
    'valid    exit_codes 1.2.3',
  ]);
  expect(lines).toContain(
    'every_mistake/manifest.yaml:43:5 steps[0].retires: unknown key "retires" [SCHEMA]',
  );
  expect(lines).toContain('broken_files/sequence.ts:2:13: cannot import: Unexpected ; [IMPORT_FAILED]');
  expect(lines.filter((l) => l.endsWith('(warning)'))).toEqual([
    expect.stringMatching(
      /^almost_right\/manifest\.yaml:5:3 parameters\.soak_s: .* \[TIMEOUT_REACHABLE\] \(warning\)$/,
    ),
  ]);
  expect(lines.length).toBe(6 + 15 + 2 + 2 + 1 + 1 + 1);
});

test('valid packages exit 0, with or without warnings; no folder at all is a usage error', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'exit_codes');
  expect(await station(['validate', 'exit_codes', join(tmp.dir, 'exit_codes')], tmp.dir)).toEqual({
    code: 0,
    out: `valid    exit_codes 1.2.3\nvalid    ${join(tmp.dir, 'exit_codes')} 1.2.3\n`,
    err: '',
  });
  const none = await station(['validate'], tmp.dir);
  expect({ code: none.code, out: none.out }).toEqual({ code: 2, out: '' });
  expect(none.err).toStartWith('<folder> is required\n\nusage: station validate <folder>... [options]\n');
});
