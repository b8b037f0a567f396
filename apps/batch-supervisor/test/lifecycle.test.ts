// The batch lifecycle against stand-in runners (test/fakes.ts) and a real store: every transition, every
// illegal request's error, start timeout, crash and hang detection, escalation of a stop.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import type { Store } from '@station/db';
import { BatchController } from '../src/batch.ts';
import { Supervisor } from '../src/supervisor.ts';
import { batch, EventLog, FakeWorld, fakeDeps, rejection, tempStore, until } from './fakes.ts';

let world: FakeWorld;
let events: EventLog;
let store: Store;
let disposeStore: () => void;
const supervisors: Supervisor[] = [];

beforeEach(() => {
  world = new FakeWorld();
  events = new EventLog();
  ({ store, dispose: disposeStore } = tempStore());
});
afterEach(async () => {
  for (const s of supervisors.splice(0)) await s.shutdown();
  disposeStore();
});

function supervisor(...ids: string[]): Supervisor {
  const s = new Supervisor({ batches: ids.map((id) => batch(id)), ...fakeDeps(world, events, store) });
  supervisors.push(s);
  return s;
}

/** A running execution of `batchId` with its first step finished, as a runner would have left it. */
function inFlight(batchId: string, serialNumber?: string): string {
  const exec = store.createExecution({
    batchId,
    dut: { serialNumber: serialNumber ?? null },
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    packageHash: 'h',
  });
  store.recordStep(exec.id, { name: 'init', order: 0, status: 'completed', pass: true, duration: 0.1 });
  store.recordStep(exec.id, { name: 'measure', order: 1, status: 'running' });
  return exec.id;
}

describe('start and stop', () => {
  test('start goes idle -> starting -> running once the runner registers; stop brings it back to idle', async () => {
    const sup = supervisor('b1');
    const reply = await sup.start('b1');
    const pid = world.of('b1')[0]!.pid;
    expect(reply).toEqual({ status: 'running', pid });
    // The runner's first status is fetched before `running` is announced, so the first event is complete.
    expect(sup.list()).toEqual([
      { id: 'b1', name: 'Slot b1', status: 'running', pid, sequenceRunning: false },
    ]);
    expect(await sup.stop('b1')).toEqual({ status: 'idle' });
    expect(events.statuses('b1')).toEqual(['starting', 'running', 'stopping', 'idle']);
    // The runner was asked on the bus and went by itself: no signal was needed.
    expect(world.of('b1')[0]!.signals).toEqual([]);
    expect(world.of('b1')[0]!.exitInfo).toEqual({ code: 0, signal: null });
  });

  test('running is reported only after the runner answers on the bus, not when the process exists', async () => {
    world.behave('b1', { registerAfterMs: 80 });
    const sup = supervisor('b1');
    const started = sup.start('b1');
    await until(() => world.of('b1').length === 1, 'the spawn');
    expect(sup.list()[0]!.status).toBe('starting');
    await started;
    expect(sup.list()[0]!.status).toBe('running');
  });

  test('two concurrent starts spawn one process and both get its pid', async () => {
    world.behave('b1', { registerAfterMs: 30 });
    const sup = supervisor('b1');
    const [a, b] = await Promise.all([sup.start('b1'), sup.start('b1')]);
    expect(world.of('b1')).toHaveLength(1);
    expect(a).toEqual({ status: 'running', pid: world.of('b1')[0]!.pid });
    expect(b).toEqual(a);
  });

  test('illegal requests answer typed errors and never spawn a second process', async () => {
    const sup = supervisor('b1');
    expect(await rejection(sup.stop('b1'))).toEqual({
      code: 'NOT_RUNNING',
      message: 'batch b1 is not running',
      details: { batchId: 'b1', status: 'idle' },
    });
    const { pid } = await sup.start('b1');
    expect(await rejection(sup.start('b1'))).toEqual({
      code: 'ALREADY_RUNNING',
      message: 'batch b1 is already running',
      details: { batchId: 'b1', pid },
    });
    expect(await rejection(sup.start('nope'))).toEqual({
      code: 'NOT_FOUND',
      message: "no batch nope in this station's configuration",
      details: { batchId: 'nope', batches: ['b1'] },
    });
    expect(await rejection(sup.get('nope'))).toMatchObject({ code: 'NOT_FOUND' });
    expect(world.of('b1')).toHaveLength(1);
  });

  test('a stop while starting cancels the start and ends the process', async () => {
    world.behave('b1', {}); // never registers
    const sup = supervisor('b1');
    const started = rejection(sup.start('b1'));
    await until(() => world.of('b1').length === 1, 'the spawn');
    expect(await sup.stop('b1')).toEqual({ status: 'idle' });
    expect(await started).toEqual({
      code: 'START_CANCELLED',
      message: 'the start of batch b1 was cancelled by a stop',
      details: { batchId: 'b1', status: 'stopping' },
    });
    // It could not be asked on the bus (never registered), so SIGTERM came at once.
    expect(world.of('b1')[0]!.signals).toEqual(['SIGTERM']);
  });

  test('stop escalates: ignored shutdown -> SIGTERM; ignored SIGTERM -> SIGKILL', async () => {
    world.behave('b1', { registerAfterMs: 1, obeysShutdown: false });
    world.behave('b2', { registerAfterMs: 1, obeysShutdown: false, obeysTerm: false });
    const sup = supervisor('b1', 'b2');
    await Promise.all([sup.start('b1'), sup.start('b2')]);
    await Promise.all([sup.stop('b1'), sup.stop('b2')]);
    expect(world.of('b1')[0]!.signals).toEqual(['SIGTERM']);
    expect(world.of('b2')[0]!.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(sup.list().map((s) => s.status)).toEqual(['idle', 'idle']);
  });

  test('the execution a stopped runner left running ends `stopped`, its finished steps kept', async () => {
    const sup = supervisor('b1');
    await sup.start('b1');
    const id = inFlight('b1');
    await sup.stop('b1');
    const result = store.getResult(id)!;
    const row = store.getExecution(id)!;
    expect({ status: result.status, error: row.error, statusReason: row.statusReason }).toEqual({
      status: 'stopped',
      error: 'ABORTED: batch stopped by request',
      statusReason: 'ABORTED',
    });
    expect(result.steps.map((s) => [s.name, s.status, s.pass])).toEqual([
      ['init', 'completed', true],
      ['measure', 'failed', false],
    ]);
  });
});

describe('failures', () => {
  test('a runner that never registers is killed at the start timeout; the batch shows why', async () => {
    world.behave('b1', { stderr: ['loading package...', 'Error: driver psu not found'] });
    const sup = supervisor('b1');
    const err = await rejection(sup.start('b1'));
    const proc = world.of('b1')[0]!;
    const reason = 'the runner did not register on the bus within 300 ms';
    expect(err).toEqual({
      code: 'START_FAILED',
      message: `runner of b1 ended before registering on the bus (${reason}; killed (signal SIGKILL)); last stderr: Error: driver psu not found`,
      details: {
        batchId: 'b1',
        exitCode: null,
        signal: 'SIGKILL',
        killedBecause: reason,
        stderr: ['loading package...', 'Error: driver psu not found'],
        executions: [],
      },
    });
    expect(proc.signals).toEqual(['SIGKILL']);
    expect(sup.list()[0]).toMatchObject({ status: 'error', lastError: { code: 'BATCH_START_FAILED' } });
    expect(events.statuses('b1')).toEqual(['starting', 'error']);
    expect(events.errors('b1').map((e) => e.code)).toEqual(['BATCH_START_FAILED']);
  });

  test('a runner that exits before registering fails the start with its exit code', async () => {
    world.behave('b1', { exitAfterMs: 10, exitCode: 2, stderr: ['bad config'] });
    const sup = supervisor('b1');
    const err = await rejection(sup.start('b1'));
    expect(err.code).toBe('START_FAILED');
    expect(err.message).toBe(
      'runner of b1 ended before registering on the bus (exit code 2); last stderr: bad config',
    );
  });

  test('a spawn the OS refuses is a failed start', async () => {
    world.spawnError = new Error('ENOENT: bun not found');
    const sup = supervisor('b1');
    const err = await rejection(sup.start('b1'));
    expect(err).toEqual({
      code: 'START_FAILED',
      message: 'could not spawn the runner: Error: ENOENT: bun not found',
      details: { batchId: 'b1', stderr: [], executions: [] },
    });
    expect(sup.list()[0]!.status).toBe('error');
  });

  test('a crash while running: error status, BATCH_CRASHED event, execution failed with the reason', async () => {
    const sup = supervisor('b1');
    await sup.start('b1');
    const id = inFlight('b1', 'SN-7');
    const proc = world.live('b1')!;
    const t0 = Date.now();
    proc.behaviour.stderr = ['panic: out of cheese'];
    proc.exit({ code: null, signal: 'SIGKILL' });
    await until(() => events.errors('b1').length > 0, 'the error event');
    expect(Date.now() - t0).toBeLessThan(1_000);
    const message = 'runner of b1 crashed (signal SIGKILL); last stderr: panic: out of cheese';
    expect(events.errors('b1')[0]).toEqual({
      code: 'BATCH_CRASHED',
      message,
      details: { exitCode: null, signal: 'SIGKILL', stderr: ['panic: out of cheese'], executions: [id] },
    });
    expect(sup.list()[0]).toMatchObject({
      status: 'error',
      lastError: {
        code: 'BATCH_CRASHED',
        message,
        details: {
          exitCode: null,
          signal: 'SIGKILL',
          stderr: ['panic: out of cheese'],
          executions: [id],
          restart: { gaveUp: 'restart policy is "never"' },
        },
      },
    });
    const row = store.getExecution(id)!;
    expect({ status: row.status, overallPass: row.overallPass, error: row.error }).toEqual({
      status: 'failed',
      overallPass: false,
      error: message,
    });
    expect(store.getResult(id)!.steps.map((s) => s.status)).toEqual(['completed', 'failed']);
    const queued = store.sqlite.query('SELECT entity_id FROM sync_queue').all();
    expect(queued).toEqual([{ entity_id: id }]);
    // The run's end is told as the store holds it, so no screen keeps the previous unit's verdict.
    const ends = events.events.filter((e) => e.type === 'sequence_complete' && e.batch_id === 'b1');
    expect(ends).toEqual([
      {
        type: 'sequence_complete',
        batch_id: 'b1',
        data: {
          executionId: id,
          overallPass: false,
          duration: expect.any(Number),
          status: 'failed',
          statusReason: 'BATCH_CRASHED',
          error: { code: 'BATCH_CRASHED', message },
          steps: store.getResult(id)!.steps,
          verdict: 'ERROR',
          dut: { serialNumber: 'SN-7', partNumber: null, revision: null, lot: null, serialSourceStep: null },
        },
      },
    ]);
  });

  test('a runner that stops answering while its process lives is killed as hung', async () => {
    const sup = supervisor('b1');
    await sup.start('b1');
    const proc = world.live('b1')!;
    proc.behaviour.hung = true;
    await until(() => sup.list()[0]!.status === 'error', 'the hang to be detected');
    expect(proc.signals).toEqual(['SIGKILL']);
    const crash = events.errors('b1')[0]!;
    expect(crash.code).toBe('BATCH_CRASHED');
    expect(crash.message).toBe(
      'runner of b1 crashed (no heartbeat answer for 3 periods of 20 ms (TIMEOUT: no reply); killed (signal SIGKILL))',
    );
  });

  test('silence while the supervisor itself has lost the broker is not held against the runner', async () => {
    const sup = supervisor('b1');
    await sup.start('b1');
    world.brokerDown = true;
    const asked = world.statusAsks;
    // Ten heartbeats unanswered: well past the three misses that would count as a hang.
    await until(() => world.statusAsks >= asked + 10, 'ten heartbeats while the broker is down');
    expect(sup.list()[0]!.status).toBe('running');
    expect(world.live('b1')!.signals).toEqual([]);
  });
});

describe('status while running', () => {
  test('lifecycle events only on a change, never per heartbeat; the runner progress only in list and get', async () => {
    const startedAt = new Date(Date.now() - 5_000).toISOString();
    world.behave('b1', {
      registerAfterMs: 1,
      status: {
        state: 'running',
        package: { name: 'psu_functional', version: '1.2.0' },
        execution: {
          executionId: 'exec_1',
          status: 'running',
          startedAt,
          currentStep: 'measure',
          stepIndex: 2,
          totalSteps: 4,
          progress: 0.5,
          steps: [],
        },
      },
    });
    const sup = supervisor('b1');
    const { pid } = await sup.start('b1');
    await until(() => (world.statusAnswers.get('b1') ?? 0) >= 5, 'five heartbeats answered');
    // The supervisor's own facts, once per change: the runner's progress is the runner's to publish.
    expect(events.events.filter((e) => 'batch_id' in e && e.type !== 'error').map((e) => e.type)).toEqual([
      'batch_process',
      'batch_process',
    ]);
    const running = events.events.at(-1)!;
    expect(running).toEqual({
      type: 'batch_process',
      batch_id: 'b1',
      data: { status: 'running', pid, restarts: 0, rev: expect.any(Number) },
    });
    // A reader that starts now gets the whole picture from the snapshot; elapsed is the reader's to count.
    expect(sup.list()).toEqual([
      {
        id: 'b1',
        name: 'Slot b1',
        status: 'running',
        pid,
        sequenceName: 'psu_functional',
        sequenceVersion: '1.2.0',
        sequenceRunning: true,
        executionId: 'exec_1',
        startedAt,
        totalSteps: 4,
        progress: 0.5,
        currentStep: 'measure',
        stepIndex: 2,
      },
    ]);
    const detail = await sup.get('b1');
    expect(detail).toMatchObject({
      sequencePackage: 'psu_functional',
      autoStart: false,
      package: { name: 'psu_functional', version: '1.2.0' },
      execution: { executionId: 'exec_1', currentStep: 'measure' },
      manualCommands: [],
      restarts: 0,
    });
  });
});

describe('controller', () => {
  test('a stop on a batch in error acknowledges it (idle) instead of failing', async () => {
    world.behave('b1', { exitAfterMs: 1 });
    const c = new BatchController(batch('b1'), fakeDeps(world, events, store));
    await rejection(c.start());
    expect(c.state).toBe('error');
    expect(await c.stop()).toEqual({ status: 'idle' });
    expect(c.status()).toEqual({ id: 'b1', name: 'Slot b1', status: 'idle' });
  });
});
