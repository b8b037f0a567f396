// The shipped example packages under sequences/: both must load, and each behaves as its manifest says.
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { runSequence } from '../src/engine.ts';
import { type HardwareConfigMap, openHardware } from '../src/hardware.ts';
import { listPackages } from '../src/list.ts';
import { loadPackage, requirePackage } from '../src/loader.ts';
import { resolveParameters } from '../src/parameters.ts';
import { type PromptAnswer, PromptDesk } from '../src/prompt.ts';

const SEQUENCES = join(import.meta.dir, '..', '..', '..', 'sequences');

async function runExample(
  name: string,
  request: Record<string, unknown>,
  config: HardwareConfigMap = {},
  answers: Partial<Record<string, PromptAnswer>> = {},
) {
  const pkg = await requirePackage(SEQUENCES, name);
  const hw = await openHardware(pkg, config);
  try {
    const params = resolveParameters(pkg.manifest, {}, request);
    // The operator: answers each prompt by its kind, as soon as it opens.
    const prompts = new PromptDesk();
    return await runSequence({
      pkg,
      params,
      drivers: hw.drivers,
      executionId: 'x',
      batchId: 'b',
      graceMs: 200,
      prompts,
      sink: {
        onPrompt: (p) => queueMicrotask(() => prompts.answer(p.id, answers[p.kind] ?? null, 'test')),
      },
    });
  } finally {
    await hw.close();
  }
}

test('every shipped example loads valid', async () => {
  const list = (await listPackages(SEQUENCES)).filter((p) =>
    ['failure_paths', 'psu_functional', 'unit_checkout'].includes(p.name),
  );
  // No warnings either: psu_functional's settle_ms once allowed 5000 ms, its step's whole 5 s timeout.
  expect(list.map((p) => [p.name, p.valid, p.problems, p.warnings])).toEqual([
    ['failure_paths', true, [], []],
    ['psu_functional', true, [], []],
    ['unit_checkout', true, [], []],
  ]);
  // The check only runs where the manifest says which step the delay is spent in.
  const psu = await loadPackage(join(SEQUENCES, 'psu_functional'), { sequencesDir: SEQUENCES });
  expect(psu.ok && psu.package.manifest.parameters.settle_ms).toEqual({
    type: 'integer',
    default: 50,
    min: 0,
    max: 2000,
    unit: 'ms',
    description: 'Time the output is given to settle before measuring',
    display: { ko: '안정화 시간', en: 'Settle time' },
    feeds_timeout_of: ['set_output'],
  });
});

describe('psu_functional', () => {
  test.each([[5], [3.3], [12]])(
    'passes at %p V with realistic noise (limits follow the setpoint)',
    async (v) => {
      const o = await runExample(
        'psu_functional',
        { output_voltage: v, settle_ms: 0 },
        {
          psu: { driver: 'sim_psu', noise: 0.002, seed: 11 },
          dmm: { driver: 'sim_dmm', noise: 0.002, seed: 12 },
        },
      );
      expect([o.status, o.overallPass]).toEqual(['completed', true]);
      expect(o.steps.map((s) => s.name)).toEqual([
        'initialize',
        'set_output',
        'measure_voltage',
        'measure_current',
        'measure_ripple',
        'cleanup',
      ]);
    },
  );

  test('fails the ripple limit on a noisy supply and still runs its cleanup step', async () => {
    const o = await runExample(
      'psu_functional',
      { settle_ms: 0 },
      { dmm: { driver: 'sim_dmm', ripple: 0.05 } },
    );
    expect(o.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'initialize:completed',
      'set_output:completed',
      'measure_voltage:completed',
      'measure_current:completed',
      'measure_ripple:failed',
      'cleanup:completed',
    ]);
    expect(o.steps[4]?.error).toStartWith('STEP_FAILED: ');
  });
});

describe('failure_paths', () => {
  test.each([
    ['pass', 'completed', []],
    ['limit_failure', 'failed', ['limit_check', 'STEP_FAILED', 'dut_voltage = 6 V is outside [4.9, 5.1] V']],
    ['timeout', 'failed', ['slow_step', 'STEP_TIMEOUT', 'step slow_step timed out after 300 ms']],
    ['retry', 'completed', []],
    [
      'hardware_error',
      'failed',
      ['relay_check', 'HARDWARE_ERROR', 'relay.close: channel 99 does not exist (card has 8)'],
    ],
  ])('path %p ends %p with the expected failing step', async (path, status, failure) => {
    const o = await runExample('failure_paths', { path });
    expect<string>(o.status).toBe(status);
    const failed = o.steps.filter((s) => s.status === 'failed');
    expect(failed.flatMap((s) => [s.name, ...(s.error ?? '').split(/: (.*)/s, 2)])).toEqual(failure);
    // The cleanup step runs on every path.
    expect(o.steps.at(-1)).toEqual(expect.objectContaining({ name: 'cleanup', status: 'completed' }));
    if (path === 'retry') expect(o.steps.find((s) => s.name === 'flaky_step')?.attempts).toBe(2);
  });
});

describe('unit_checkout', () => {
  const good = { confirm: true, choice: 'green', text: 'AB123456', number: 3.31 };

  test('passes when the operator sees a green LED and reads the rail in limits', async () => {
    const o = await runExample('unit_checkout', {}, {}, good);
    expect([o.status, o.overallPass]).toEqual(['completed', true]);
    expect(o.steps.flatMap((s) => s.measurements.map((m) => [m.name, m.value, m.pass]))).toEqual([
      ['led_colour', 'green', true],
      ['label_serial', 'AB123456', true],
      ['rail_voltage', 3.31, true],
    ]);
  });

  test('fails on an amber LED and still powers the unit down', async () => {
    const o = await runExample('unit_checkout', {}, {}, { ...good, choice: 'amber' });
    expect(o.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'insert_unit:completed',
      'check_led:failed',
      'scan_label:skipped',
      'read_test_point:skipped',
      'power_down:completed',
    ]);
  });
});
