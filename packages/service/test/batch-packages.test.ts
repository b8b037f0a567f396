// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are station.yaml text and its messages, where ${VAR} is literal.
// station.yaml checked against the sequence packages its batches name, in the same pass as the file's
// own checks: a missing package, hardware or options the package and its drivers do not know.
import { afterEach, describe, expect, test } from 'bun:test';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ConfigIssue, loadCheckedConfig, loadConfig } from '@station/config';
import { checkBatchPackages } from '../src/batch-packages.ts';

const REPO = join(import.meta.dir, '../../..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A station folder with `sequences/psu_functional` (the shipped example) and station.yaml from lines. */
function station(lines: string[]): { root: string; argv: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'station-batch-check-'));
  dirs.push(root);
  mkdirSync(join(root, 'sequences'));
  cpSync(join(REPO, 'sequences/psu_functional'), join(root, 'sequences/psu_functional'), { recursive: true });
  writeFileSync(join(root, 'station.yaml'), `${lines.join('\n')}\n`);
  return { root, argv: ['--config', 'station.yaml'] };
}

async function issuesOf(lines: string[], env: Record<string, string> = {}): Promise<ConfigIssue[]> {
  const { root, argv } = station(lines);
  try {
    await loadCheckedConfig({ argv, env, cwd: root, checks: [checkBatchPackages] });
  } catch (err) {
    if (err instanceof ConfigError && err.code === 'INVALID_CONFIG') return [...err.issues];
    throw err;
  }
  throw new Error('the configuration was accepted');
}

const HEAD = ['station: { id: s1 }', 'paths: { data_dir: ./data, sequences_dir: ./sequences }', 'batches:'];

describe('batches checked against their sequence packages', () => {
  test('a missing package and an unknown driver option are reported together with the file problems', async () => {
    const issues = await issuesOf([
      ...HEAD, // 1-3
      '  - id: slot_1', // 4
      '    sequence_package: psu_functionl', // 5
      '  - id: slot_2', // 6
      '    sequence_package: psu_functional', // 7
      '    hardware:', // 8
      '      psu: { driver: sim_psu, bogus: 1, noise: 0.01 }', // 9
      '    auto_strat: true', // 10
    ]);
    expect(issues).toEqual([
      {
        file: 'station.yaml',
        line: 5,
        column: 23,
        path: 'batches[0].sequence_package',
        message: `no sequence package "psu_functionl" in ${join(dirs[0]!, 'sequences')} (did you mean psu_functional?)`,
      },
      {
        file: 'station.yaml',
        line: 9,
        column: 31,
        path: 'batches[1].hardware.psu.bogus',
        message:
          'unknown option of driver sim_psu (known: noise, latency, failure_rate, connect_fail, seed, load_ohms, max_voltage, max_current)',
      },
      {
        file: 'station.yaml',
        line: 10,
        column: 5,
        path: 'batches[1].auto_strat',
        message: 'unknown key (did you mean auto_start?)',
      },
    ]);
  });

  test('the plain loader (every other service) does not look at packages', () => {
    const { root, argv } = station([...HEAD, '  - { id: slot_1, sequence_package: nowhere }']);
    expect(loadConfig({ argv, env: {}, cwd: root }).config.batches[0]?.sequence_package).toBe('nowhere');
  });

  test('hardware the package does not declare, a wrong option value, a misspelt option and a driver that does not exist', async () => {
    const issues = await issuesOf(
      [
        ...HEAD, // 1-3
        '  - id: slot_1', // 4
        '    sequence_package: psu_functional', // 5
        '    hardware:', // 6
        '      psu: { driver: sim_psu, max_voltage: "${MAX_V}", nosie: 0.1 }', // 7
        '      dmm: { driver: sim_dmn }', // 8
        '      scope: { driver: sim_dmm }', // 9
      ],
      { MAX_V: 'high' },
    );
    expect(issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
      '7:44 batches[0].hardware.psu.max_voltage: expected a number, found the value of ${MAX_V} (hidden) (option of driver sim_psu)',
      '7:56 batches[0].hardware.psu.nosie: unknown option of driver sim_psu (did you mean noise?)',
      `8:22 batches[0].hardware.dmm.driver: unknown driver "sim_dmn": no drivers/sim_dmn.ts in the package and no built-in driver of that name (built-in: sim_psu, sim_dmm)`,
      '9:7 batches[0].hardware.scope: sequence package psu_functional declares no hardware "scope" (declared: psu, dmm)',
    ]);
  });

  test('a package that exists but is itself invalid is left to its runner; a correct file loads', async () => {
    const { root, argv } = station([
      ...HEAD,
      '  - id: slot_1',
      '    sequence_package: psu_functional',
      '    hardware: { psu: { driver: sim_psu, noise: 0.02 } }',
      '  - { id: slot_2, sequence_package: broken }',
    ]);
    mkdirSync(join(root, 'sequences/broken'));
    writeFileSync(join(root, 'sequences/broken/manifest.yaml'), 'name: [not, valid\n');
    const { config } = await loadCheckedConfig({ argv, env: {}, cwd: root, checks: [checkBatchPackages] });
    expect(config.batches.map((b) => [b.id, b.sequence_package, b.hardware])).toEqual([
      ['slot_1', 'psu_functional', { psu: { driver: 'sim_psu', noise: 0.02 } }],
      ['slot_2', 'broken', {}],
    ]);
  });
});
