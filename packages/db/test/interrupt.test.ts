import { afterEach, describe, expect, test } from 'bun:test';
import { at, execution, executionRow, Scratch, unrunStep } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

/** A store with exec_a on batch_1 two steps in: one finished, one in flight, one not reached yet. */
function storeWithCrashedRun() {
  const store = scratch.store();
  store.createExecution(execution('exec_a'));
  store.recordStep(
    'exec_a',
    {
      name: 'initialize',
      order: 0,
      status: 'completed',
      pass: true,
      startedAt: at(0),
      completedAt: at(1_000),
      duration: 1,
      attempts: 1,
    },
    [{ name: 'id', value: 'PSU-1', equals: 'PSU-1', pass: true }],
  );
  store.recordStep('exec_a', {
    name: 'measure',
    order: 1,
    status: 'running',
    startedAt: at(1_000),
    attempts: 1,
  });
  store.recordStep('exec_a', { name: 'report', order: 2, status: 'pending' });
  return store;
}

describe('markInterrupted', () => {
  test('fails a crashed execution, keeps finished steps, ends the rest, and enqueues it', () => {
    const store = storeWithCrashedRun();
    expect(
      store.markInterrupted(
        'exec_a',
        'failed',
        { reason: 'BATCH_CRASHED', message: 'runner exited with signal SIGKILL' },
        at(3_000),
      ),
    ).toEqual(['exec_a']);
    const { steps, ...row } = store.getResult('exec_a')!;
    expect(row).toEqual(
      executionRow('exec_a', 0, {
        status: 'failed',
        overallPass: false,
        completedAt: at(3_000),
        duration: 3,
        error: 'runner exited with signal SIGKILL',
        statusReason: 'BATCH_CRASHED',
      }),
    );
    expect(steps).toEqual([
      {
        name: 'initialize',
        order: 0,
        status: 'completed',
        pass: true,
        startedAt: at(0),
        completedAt: at(1_000),
        duration: 1,
        attempts: 1,
        result: null,
        error: null,
        measurements: [
          { name: 'id', value: 'PSU-1', unit: null, low: null, high: null, equals: 'PSU-1', pass: true },
        ],
      },
      {
        name: 'measure',
        order: 1,
        status: 'failed',
        pass: false,
        startedAt: at(1_000),
        completedAt: at(3_000),
        duration: 2,
        attempts: 1,
        result: null,
        error: 'runner exited with signal SIGKILL',
        measurements: [],
      },
      unrunStep('report', 2, 'skipped'),
    ]);
    expect(store.syncStats(at(3_000))).toEqual(
      expect.objectContaining({ pending: 1, due: 1, oldestPendingAt: at(3_000) }),
    );
  });

  test('is idempotent: an execution that already ended is left untouched', () => {
    const store = storeWithCrashedRun();
    store.finishExecution('exec_a', { status: 'completed', overallPass: true, completedAt: at(2_000) });
    const before = store.getResult('exec_a');
    expect(
      store.markInterrupted(
        'exec_a',
        'failed',
        { reason: 'BATCH_CRASHED', message: 'late crash report' },
        at(9_000),
      ),
    ).toEqual([]);
    expect(
      store.markInterrupted(
        'exec_a',
        'failed',
        { reason: 'BATCH_CRASHED', message: 'late crash report' },
        at(9_000),
      ),
    ).toEqual([]);
    expect(store.getResult('exec_a')).toEqual(before!);
    expect(store.syncStats(at(9_000)).pending).toBe(1);
  });

  test('by batch: stops every running execution of that batch and no other', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_1a', 0));
    store.createExecution(execution('exec_1b', 100));
    store.createExecution(execution('exec_2a', 0, { batchId: 'batch_2' }));
    expect(
      store
        .markInterrupted(
          { batchId: 'batch_1' },
          'stopped',
          { reason: 'SHUTDOWN', message: 'supervisor shutdown' },
          at(1_000),
        )
        .sort(),
    ).toEqual(['exec_1a', 'exec_1b']);
    expect(store.getExecution('exec_1b')).toEqual(
      expect.objectContaining({
        status: 'stopped',
        overallPass: false,
        duration: 0.9,
        error: 'supervisor shutdown',
        statusReason: 'SHUTDOWN',
      }),
    );
    expect(store.runningExecutions().map((e) => e.id)).toEqual(['exec_2a']);
    expect(store.syncStats(at(1_000)).pending).toBe(2);
  });

  test('refuses a status other than failed or stopped', () => {
    const store = storeWithCrashedRun();
    expect(() =>
      store.markInterrupted('exec_a', 'completed' as 'failed', { reason: 'SHUTDOWN', message: 'x' }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(store.getExecution('exec_a')?.status).toBe('running');
  });

  test('refuses a reason that is not a status reason', () => {
    const store = storeWithCrashedRun();
    expect(() =>
      store.markInterrupted('exec_a', 'failed', { reason: 'OOPS' as 'SHUTDOWN', message: 'x' }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(store.getExecution('exec_a')?.status).toBe('running');
  });

  test('an unknown id marks nothing', () => {
    const store = scratch.store();
    expect(store.markInterrupted('exec_nope', 'failed', { reason: 'BATCH_CRASHED', message: 'x' })).toEqual(
      [],
    );
  });
});
