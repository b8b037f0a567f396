import { afterEach, describe, expect, test } from 'bun:test';
import { newExecutionId } from '../src/index.ts';
import { at, execution, executionRow, Scratch, unrunStep } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const running = executionRow('exec_a');

function queueRows(store: ReturnType<Scratch['store']>) {
  return store.sqlite.query('SELECT * FROM sync_queue ORDER BY id').all();
}

describe('createExecution', () => {
  test('stores a running execution and returns the whole row', () => {
    const store = scratch.store();
    expect(store.createExecution(execution('exec_a'))).toEqual(running);
    expect(store.getExecution('exec_a')).toEqual(running);
  });

  test('records who started it', () => {
    const store = scratch.store();
    const row = store.createExecution({ ...execution('exec_b'), operator: 'op-4711' });
    expect(row).toEqual({ ...running, id: 'exec_b', operator: 'op-4711' });
    expect(store.getResult('exec_b')).toEqual({ ...running, id: 'exec_b', operator: 'op-4711', steps: [] });
  });

  test('generates a time-sortable id and stamps now when none is given', () => {
    const store = scratch.store();
    const before = new Date().toISOString();
    const row = store.createExecution({
      batchId: 'b',
      sequenceName: 's',
      sequenceVersion: '1',
      packageHash: 'h',
    });
    expect(row.id).toMatch(/^exec_[0-9a-f]{32}$/);
    expect(row.startedAt >= before).toBe(true);
    expect(row.parameters).toEqual({});
    expect(
      newExecutionId(Date.parse('2030-01-01T00:00:00Z')) > newExecutionId(Date.parse('2029-01-01T00:00:00Z')),
    ).toBe(true);
  });

  test('a duplicate id is refused with QUERY_FAILED', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    expect(() => store.createExecution(execution('exec_a'))).toThrow(
      expect.objectContaining({ code: 'QUERY_FAILED' }),
    );
  });

  test('an unparsable start time is refused with INVALID_ARGUMENT', () => {
    const store = scratch.store();
    expect(() => store.createExecution(execution('exec_a', 0, { startedAt: 'yesterday' }))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('finishExecution', () => {
  test('sets the final state and enqueues the execution for sync in the same transaction', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    expect(
      store.finishExecution('exec_a', {
        status: 'completed',
        overallPass: true,
        completedAt: at(45_200),
        duration: 45.2,
      }),
    ).toBe(true);
    expect(store.getExecution('exec_a')).toEqual({
      ...running,
      status: 'completed',
      overallPass: true,
      completedAt: at(45_200),
      duration: 45.2,
    });
    expect(queueRows(store)).toEqual([
      {
        id: 1,
        kind: 'execution',
        entity_id: 'exec_a',
        status: 'pending',
        attempts: 0,
        next_attempt_at: at(45_200),
        last_error: null,
        last_status: null,
        created_at: at(45_200),
        updated_at: at(45_200),
        claimed_by: null,
        lease_until: null,
        done_at: null,
      },
    ]);
  });

  test('computes the duration from the start when none is given and keeps the error', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    store.finishExecution('exec_a', {
      status: 'failed',
      overallPass: false,
      completedAt: at(2_500),
      error: 'HARDWARE_ERROR',
    });
    expect(store.getExecution('exec_a')).toEqual({
      ...running,
      status: 'failed',
      overallPass: false,
      completedAt: at(2_500),
      duration: 2.5,
      error: 'HARDWARE_ERROR',
    });
  });

  test('keeps who ended it early as the status reason', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    store.finishExecution('exec_a', {
      status: 'stopped',
      overallPass: false,
      completedAt: at(1_000),
      error: 'ABORTED: step measure aborted',
      statusReason: 'SHUTDOWN',
    });
    expect(store.getExecution('exec_a')).toEqual({
      ...running,
      status: 'stopped',
      overallPass: false,
      completedAt: at(1_000),
      duration: 1,
      error: 'ABORTED: step measure aborted',
      statusReason: 'SHUTDOWN',
    });
  });

  test('with the step list: every step is pending from the start, and one never reported ends skipped', () => {
    const store = scratch.store();
    store.createExecution({ ...execution('exec_a'), steps: ['initialize', 'measure'] });
    const pending = (name: string, order: number) => unrunStep(name, order, 'pending');
    expect(store.getResult('exec_a')?.steps).toEqual([pending('initialize', 0), pending('measure', 1)]);
    store.finishExecution('exec_a', { status: 'failed', overallPass: false, completedAt: at(1_000) });
    expect(store.getResult('exec_a')?.steps).toEqual([
      { ...pending('initialize', 0), status: 'skipped' },
      { ...pending('measure', 1), status: 'skipped' },
    ]);
  });

  test('the first final state wins: finishing again changes nothing and enqueues nothing more', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    store.finishExecution('exec_a', { status: 'stopped', overallPass: false, completedAt: at(1_000) });
    expect(
      store.finishExecution('exec_a', { status: 'completed', overallPass: true, completedAt: at(9_000) }),
    ).toBe(false);
    expect(store.getExecution('exec_a')?.status).toBe('stopped');
    expect(queueRows(store).length).toBe(1);
  });

  test('refuses to "finish" an execution as running', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    expect(() =>
      store.finishExecution('exec_a', { status: 'running' as 'completed', overallPass: true }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(queueRows(store)).toEqual([]);
  });

  test('an unknown execution is reported as not finished', () => {
    const store = scratch.store();
    expect(store.finishExecution('exec_none', { status: 'completed', overallPass: true })).toBe(false);
    expect(queueRows(store)).toEqual([]);
  });
});

describe('runningExecutions', () => {
  test('lists running executions oldest first, optionally for one batch', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_b', 2_000, { batchId: 'batch_2' }));
    store.createExecution(execution('exec_a', 1_000));
    store.createExecution(execution('exec_done', 0));
    store.finishExecution('exec_done', { status: 'completed', overallPass: true, completedAt: at(500) });
    expect(store.runningExecutions().map((e) => e.id)).toEqual(['exec_a', 'exec_b']);
    expect(store.runningExecutions('batch_2')).toEqual([
      { ...running, id: 'exec_b', batchId: 'batch_2', startedAt: at(2_000) },
    ]);
    expect(store.runningExecutions('batch_9')).toEqual([]);
  });
});
