// The batch runner as a real process on a real broker and store: results, failures, aborts, manual mode.

import { Database } from 'bun:sqlite';
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { BusClient, BusError, Publisher, type ReceivedEvent, Subscriber } from '@station/bus';
import { StationEvent } from '@station/model';
import { type FixtureProcess, spawnFixture, until } from '../../../tests/support/process.ts';
import { REPO, type TempStation, tempStation } from '../../../tests/support/station.ts';

// Real processes on a shared 2-core machine: allow more than bun's 5 s default per test.
setDefaultTimeout(30_000);

const RUNNER = join(REPO, 'apps/batch-runner/src/main.ts');
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

let st: TempStation;
let client: BusClient;
let sub: Subscriber;
let events: ReceivedEvent['event'][];

beforeEach(async () => {
  st = tempStation({
    packages: [join(REPO, 'sequences/failure_paths'), join(import.meta.dir, 'packages/runner_test')],
    batchesYaml: `
  - id: batch_1
    sequence_package: runner_test
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
  - id: batch_2
    sequence_package: failure_paths
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm }, relay: { driver: sim_relay } }
  - id: batch_bad
    sequence_package: broken
    hardware: {}
`,
  });
  await st.startBroker();
  client = new BusClient({ endpoint: st.ipc.serviceBus });
  sub = new Subscriber({ endpoint: st.ipc.eventOut, prefixes: ['batch.'] });
  events = [];
  void (async () => {
    for await (const { event } of sub) events.push(event);
  })();
  // The subscription travels to the broker asynchronously: publish probes until one comes back.
  const probe = new Publisher({ endpoint: st.ipc.eventIn });
  try {
    await until(
      async () => {
        await probe.publish({
          type: 'log',
          batch_id: 'probe',
          data: { level: 'info', message: 'probe', timestamp: '' },
        });
        return events.length > 0;
      },
      'the event subscription',
      5000,
      50,
    );
  } finally {
    probe.close();
  }
  events.length = 0;
});

afterEach(async () => {
  client.close();
  sub.close();
  await st.cleanup();
});

async function startRunner(batchId: string): Promise<FixtureProcess> {
  const p = st.track(spawnFixture(RUNNER, ['--config', st.configPath, '--batch', batchId]));
  await until(
    () => client.request(`runner.${batchId}`, 'health', {}, { timeoutMs: 500 }).catch(() => undefined),
    `runner.${batchId} to register`,
    20_000,
    50,
  );
  return p;
}

async function completion(executionId: string) {
  const done = await until(
    () =>
      events.find(
        (e): e is Extract<typeof e, { type: 'sequence_complete' }> =>
          e.type === 'sequence_complete' && e.data.executionId === executionId,
      ),
    `sequence_complete of ${executionId}`,
    20_000,
  );
  // Every event of the real run matches @station/model's schema, as the UI checks it at its socket.
  expect(events.filter((e) => !Value.Check(StationEvent, e))).toEqual([]);
  return done;
}

function rows(sql: string, ...params: (string | number)[]): Record<string, unknown>[] {
  const db = new Database(st.dbPath, { readonly: true });
  try {
    return db.query(sql).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

async function failure(p: Promise<unknown>): Promise<BusError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BusError) return err;
    throw err;
  }
  throw new Error('expected a BusError');
}

describe('a passing run', () => {
  test('stores the execution, every step and measurement, queues it for sync, and publishes in order', async () => {
    await startRunner('batch_1');
    const { executionId } = await client.request('runner.batch_1', 'sequence.start', {
      parameters: { voltage: 5, label_serial: 'RT-0002' },
      operator: 'op-4711',
      dut: { serialNumber: 'RT-0001', partNumber: 'PSU-12V', lot: 'L7' },
    });
    expect(executionId).toMatch(/^exec_/);
    const done = await completion(executionId);

    const [execution] = rows('SELECT * FROM executions WHERE id = ?', executionId);
    expect(execution).toEqual({
      id: executionId,
      batch_id: 'batch_1',
      sequence_name: 'runner_test',
      sequence_version: '2.1.0',
      package_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      status: 'completed',
      status_reason: null,
      overall_pass: 1,
      parameters: JSON.stringify({ wait_ms: 0, voltage: 5, label_serial: 'RT-0002' }),
      started_at: ISO,
      completed_at: ISO,
      duration: expect.any(Number),
      error: null,
      synced_at: null,
      // Who started it, as sequence.start said: the runner writes it with the execution.
      operator: 'op-4711',
      // The unit as the start named it, with the serial its setup step read from the label.
      serial_number: 'RT-0002',
      part_number: 'PSU-12V',
      revision: null,
      lot: 'L7',
      serial_source_step: 'setup',
    });
    const steps = rows(
      'SELECT name, step_order, status, pass, attempts, error FROM step_results WHERE execution_id = ? ORDER BY step_order',
      executionId,
    );
    expect(steps).toEqual([
      { name: 'setup', step_order: 0, status: 'completed', pass: 1, attempts: 1, error: null },
      { name: 'measure', step_order: 1, status: 'completed', pass: 1, attempts: 1, error: null },
      { name: 'wait', step_order: 2, status: 'completed', pass: 1, attempts: 1, error: null },
      { name: 'power_off', step_order: 3, status: 'completed', pass: 1, attempts: 1, error: null },
    ]);
    expect(
      rows('SELECT name, value, unit, low, high, pass FROM measurements WHERE execution_id = ?', executionId),
    ).toEqual([{ name: 'voltage', value: 5, unit: 'V', low: 4.5, high: 5.5, pass: 1 }]);
    expect(rows('SELECT kind, entity_id, status, attempts FROM sync_queue')).toEqual([
      { kind: 'execution', entity_id: executionId, status: 'pending', attempts: 0 },
    ]);

    const flow = events
      .filter(
        (e) =>
          'batch_id' in e &&
          e.batch_id === 'batch_1' &&
          ['step_start', 'step_complete', 'sequence_complete'].includes(e.type),
      )
      .map((e) => `${e.type}:${'step' in e.data ? e.data.step : ''}`);
    expect(flow).toEqual([
      'step_start:setup',
      'step_complete:setup',
      'step_start:measure',
      'step_complete:measure',
      'step_start:wait',
      'step_complete:wait',
      'step_start:power_off',
      'step_complete:power_off',
      'sequence_complete:',
    ]);
    // Every event of the run knows its unit: sequence_start as started, batch_status as it stands.
    const unit = {
      serialNumber: 'RT-0001',
      partNumber: 'PSU-12V',
      revision: null,
      lot: 'L7',
      serialSourceStep: null,
    };
    const read = { ...unit, serialNumber: 'RT-0002', serialSourceStep: 'setup' };
    expect(events.find((e) => e.type === 'sequence_start')).toEqual({
      type: 'sequence_start',
      batch_id: 'batch_1',
      data: {
        executionId,
        sequenceName: 'runner_test',
        sequenceVersion: '2.1.0',
        startedAt: ISO,
        totalSteps: 4,
        dut: unit,
      },
    });
    await until(
      () => events.some((e) => e.type === 'sequence_status' && e.data.lastResult !== undefined),
      'the verdict in sequence_status',
    );
    const units = events.flatMap((e) =>
      e.type === 'sequence_status' && e.data.sequenceRunning ? [e.data.dut] : [],
    );
    expect(units.length).toBeGreaterThan(2);
    expect(units.slice(0, 2)).toEqual([unit, unit]);
    expect(units.at(-1)).toEqual(read);
    // The runner's closing status follows sequence_complete: wait for it rather than race it.
    const ended = await until(
      () => events.findLast((e) => e.type === 'sequence_status' && e.data.sequenceRunning === false),
      'the closing sequence_status',
      10_000,
    );
    expect(ended.data).toMatchObject({
      sequenceRunning: false,
      dut: null,
      lastResult: { executionId, status: 'completed', overallPass: true, verdict: 'PASS', dut: read },
    });
    const stepStart = events.find((e) => e.type === 'step_start' && e.data.step === 'measure');
    expect(stepStart).toEqual({
      type: 'step_start',
      batch_id: 'batch_1',
      data: { step: 'measure', index: 1, total: 4 },
    });
    const measured = events.find((e) => e.type === 'step_complete' && e.data.step === 'measure');
    expect(measured).toMatchObject({
      type: 'step_complete',
      batch_id: 'batch_1',
      data: { step: 'measure', pass: true, duration: expect.any(Number), status: 'completed' },
    });
    expect(done.data).toMatchObject({
      executionId,
      overallPass: true,
      status: 'completed',
      duration: expect.any(Number),
      verdict: 'PASS',
      dut: read,
    });
    expect(done.data.steps.map((s) => [s.name, s.status, s.pass])).toEqual([
      ['setup', 'completed', true],
      ['measure', 'completed', true],
      ['wait', 'completed', true],
      ['power_off', 'completed', true],
    ]);
    const logs = events
      .filter((e) => e.type === 'log' && 'batch_id' in e && e.batch_id === 'batch_1')
      .map((e) => (e.data as { message: string }).message);
    expect(logs).toEqual(['output on', 'output off']);

    // The run's facts, by their one author: at the start, at every step's start (counting the steps
    // finished before it: a step's own end status is dropped when the next one starts in the same turn),
    // and the verdict. Never the batch's lifecycle (`status`, `pid`) nor an elapsed time: those are not
    // the runner's.
    expect(events.some((e) => e.type === 'batch_status')).toBe(false);
    const reports = events.flatMap((e) => (e.type === 'sequence_status' ? [e.data] : []));
    expect(
      reports.map((r) => `${r.sequenceRunning ? 'run' : 'end'} ${r.currentStep ?? '-'} ${r.progress ?? '-'}`),
    ).toEqual([
      'run - 0',
      'run setup 0',
      'run setup 0', // the serial the setup step read
      'run measure 0.25',
      'run wait 0.5',
      'run power_off 0.75',
      'end - -',
    ]);
    expect(reports[1]).toMatchObject({
      sequenceRunning: true,
      sequenceName: 'runner_test',
      sequenceVersion: '2.1.0',
      executionId,
      startedAt: ISO,
      totalSteps: 4,
      progress: 0,
      currentStep: 'setup',
      stepIndex: 0,
    });
    expect(reports.at(-1)).toEqual({
      sequenceRunning: false,
      sequenceName: 'runner_test',
      sequenceVersion: '2.1.0',
      dut: null,
      lastResult: {
        executionId,
        status: 'completed',
        overallPass: true,
        completedAt: ISO,
        duration: expect.any(Number),
        verdict: 'PASS',
        dut: read,
      },
    });
  });
});

describe('start', () => {
  test('a run started the moment the slot is Ready passes, and the log says where the start went', async () => {
    await startRunner('batch_1');
    // At once: the warm-up after registration may still be going; the start waits for it, then runs.
    const { executionId } = await client.request('runner.batch_1', 'sequence.start', {
      parameters: { voltage: 5, label_serial: 'RT-0002' },
      dut: { serialNumber: 'RT-0001', partNumber: 'PSU-12V' },
    });
    const done = await completion(executionId);
    expect(done.data).toMatchObject({ status: 'completed', overallPass: true });

    const timings = await until(
      () =>
        readFileSync(join(st.dataDir, 'logs', 'runner-batch_1.log'), 'utf8')
          .split('\n')
          .filter((l) => l.includes('"runner start timings"'))
          .map((l) => JSON.parse(l) as { start: Record<string, number>; startedAt: number })[0],
      'the start timings line',
      20_000,
    );
    const stages = Object.keys(timings.start);
    expect(stages).toEqual([
      'modules',
      'config',
      'store',
      'package',
      'hardware',
      'recovery',
      'registered',
      'warm-up',
    ]);
    const times = Object.values(timings.start);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(timings.startedAt).toBeGreaterThan(Date.now() - 120_000);
  });
});

describe('failures', () => {
  test('a measurement outside its limits fails the step and the run; cleanup still runs', async () => {
    await startRunner('batch_2');
    const { executionId } = await client.request('runner.batch_2', 'sequence.start', {
      parameters: { path: 'limit_failure' },
    });
    await completion(executionId);
    expect(rows('SELECT status, overall_pass FROM executions')).toEqual([
      { status: 'failed', overall_pass: 0 },
    ]);
    expect(rows('SELECT name, status, pass FROM step_results ORDER BY step_order')).toEqual([
      { name: 'power_up', status: 'completed', pass: 1 },
      { name: 'limit_check', status: 'failed', pass: 0 },
      { name: 'slow_step', status: 'skipped', pass: 0 },
      { name: 'flaky_step', status: 'skipped', pass: 0 },
      { name: 'relay_check', status: 'skipped', pass: 0 },
      { name: 'cleanup', status: 'completed', pass: 1 },
    ]);
    expect(rows('SELECT name, value, low, high, pass FROM measurements')).toEqual([
      { name: 'dut_voltage', value: 6, low: 4.9, high: 5.1, pass: 0 },
    ]);
    const error = events.find((e) => e.type === 'error' && e.batch_id === 'batch_2');
    expect(error?.data).toMatchObject({ code: 'STEP_FAILED', step: 'limit_check' });
  });

  test('a step past its timeout fails with STEP_TIMEOUT and cleanup runs', async () => {
    await startRunner('batch_2');
    const { executionId } = await client.request('runner.batch_2', 'sequence.start', {
      parameters: { path: 'timeout' },
    });
    await completion(executionId);
    const steps = rows('SELECT name, status, error FROM step_results ORDER BY step_order');
    expect(steps[2]).toEqual({
      name: 'slow_step',
      status: 'failed',
      error: expect.stringMatching(/^STEP_TIMEOUT: /),
    });
    expect(steps[5]).toEqual({ name: 'cleanup', status: 'completed', error: null });
    expect(rows('SELECT status, error FROM executions')).toEqual([
      { status: 'failed', error: expect.stringMatching(/^STEP_TIMEOUT: /) },
    ]);
  });

  test('a step that fails once and passes on retry passes, with its attempts recorded', async () => {
    await startRunner('batch_2');
    const { executionId } = await client.request('runner.batch_2', 'sequence.start', {
      parameters: { path: 'retry' },
    });
    await completion(executionId);
    expect(rows('SELECT status, overall_pass FROM executions')).toEqual([
      { status: 'completed', overall_pass: 1 },
    ]);
    expect(rows("SELECT status, attempts FROM step_results WHERE name = 'flaky_step'")).toEqual([
      { status: 'completed', attempts: 2 },
    ]);
  });

  test('bad parameters are BAD_REQUEST naming each parameter, and nothing is stored', async () => {
    await startRunner('batch_1');
    const err = await failure(
      client.request('runner.batch_1', 'sequence.start', { parameters: { voltage: 99, nope: 1 } }),
    );
    expect(err.code).toBe('BAD_REQUEST');
    const names = (err.details as { parameters: { parameter: string }[] }).parameters
      .map((p) => p.parameter)
      .sort();
    expect(names).toEqual(['nope', 'voltage']);
    expect(rows('SELECT id FROM executions')).toEqual([]);
  });

  test("a serial the manifest's pattern refuses is BAD_SERIAL naming the pattern, and nothing is stored", async () => {
    await startRunner('batch_1');
    const err = await failure(
      client.request('runner.batch_1', 'sequence.start', { dut: { serialNumber: 'XX-0001' } }),
    );
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'BAD_SERIAL',
      message: 'serial number "XX-0001" does not match the pattern RT-[0-9]{4} (manifest dut.serial_pattern)',
    });
    expect(rows('SELECT id FROM executions')).toEqual([]);
  });

  test('an invalid package leaves the runner in error, still answering status', async () => {
    writeFileSync(join(st.sequencesDir, 'placeholder'), '');
    await startRunner('batch_bad');
    const status = await client.request('runner.batch_bad', 'status', {});
    expect(status.state).toBe('error');
    expect(status.problems?.length).toBeGreaterThan(0);
    const err = await failure(client.request('runner.batch_bad', 'sequence.start', {}));
    expect(err.code).toBe('INVALID_PACKAGE');
  });
});

describe('abort and crash', () => {
  test('sequence.stop aborts the running step at once, skips the rest and runs cleanup', async () => {
    await startRunner('batch_1');
    const { executionId } = await client.request('runner.batch_1', 'sequence.start', {
      parameters: { wait_ms: 20_000 },
    });
    await until(
      () => events.some((e) => e.type === 'step_start' && e.data.step === 'wait'),
      'the wait step to start',
    );
    const t0 = performance.now();
    expect(await client.request('runner.batch_1', 'sequence.stop', {})).toEqual({ status: 'stopped' });
    expect(performance.now() - t0).toBeLessThan(5000);
    await completion(executionId);
    expect(rows('SELECT status, overall_pass FROM executions')).toEqual([
      { status: 'stopped', overall_pass: 0 },
    ]);
    const steps = rows('SELECT name, status FROM step_results ORDER BY step_order');
    expect(steps.map((s) => s.name)).toEqual(['setup', 'measure', 'wait', 'power_off']);
    expect(steps[3]).toEqual({ name: 'power_off', status: 'completed' });
    expect(['failed', 'skipped']).toContain(steps[2]!.status as string);
    // The runner is ready for the next run.
    expect((await client.request('runner.batch_1', 'status', {})).state).toBe('ready');
  });

  test('kill -9 mid-step: finished steps kept, the step in flight and the unreached ones on record', async () => {
    const runner = await startRunner('batch_1');
    const { executionId } = await client.request('runner.batch_1', 'sequence.start', {
      parameters: { wait_ms: 20_000 },
    });
    const steps = () => rows('SELECT name, status FROM step_results ORDER BY step_order');
    await until(() => steps()[2]?.status === 'running', 'the wait step on record as running');
    await runner.kill('SIGKILL');
    expect(rows('SELECT status FROM executions WHERE id = ?', executionId)).toEqual([{ status: 'running' }]);
    expect(steps()).toEqual([
      { name: 'setup', status: 'completed' },
      { name: 'measure', status: 'completed' },
      { name: 'wait', status: 'running' },
      { name: 'power_off', status: 'pending' },
    ]);
    expect(rows('SELECT name, value FROM measurements')).toEqual([{ name: 'voltage', value: 5 }]);
  });
});

describe('manual mode', () => {
  test('runs a driver command at once, and is refused while a sequence runs', async () => {
    await startRunner('batch_1');
    expect(
      await client.request('runner.batch_1', 'manual.run', {
        hardware: 'psu',
        command: 'set_voltage',
        params: { voltage: 3 },
      }),
    ).toMatchObject({ hardware: 'psu', command: 'set_voltage', duration: expect.any(Number) });
    const reading = await client.request('runner.batch_1', 'manual.run', {
      hardware: 'dmm',
      command: 'measure_voltage',
    });
    expect(reading.result).toBe(0); // output is still off: nothing reaches the meter

    const unknown = await failure(
      client.request('runner.batch_1', 'manual.run', { hardware: 'scope', command: 'x' }),
    );
    expect(unknown.code).toBe('UNKNOWN_HARDWARE');
    expect(unknown.details).toEqual({ hardware: 'scope', available: ['psu', 'dmm'] });

    await client.request('runner.batch_1', 'sequence.start', { parameters: { wait_ms: 20_000 } });
    const refused = await failure(
      client.request('runner.batch_1', 'manual.run', { hardware: 'psu', command: 'output_off' }),
    );
    expect(refused.code).toBe('SEQUENCE_RUNNING');
    const second = await failure(client.request('runner.batch_1', 'sequence.start', {}));
    expect(second.code).toBe('SEQUENCE_RUNNING');
    const status = await client.request('runner.batch_1', 'status', {});
    expect(status.state).toBe('running');
    expect(status.manualCommands.map((c) => `${c.hardware}.${c.command}`)).toContain('psu.set_voltage');
    await client.request('runner.batch_1', 'sequence.stop', {});
  });
});
