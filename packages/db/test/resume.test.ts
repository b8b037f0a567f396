// Held runs (resume: after_last_completed): a crash holds them for the next runner, which resumes or ends
// them; whoever ends a held run ends it with the crash that cut it off, and it is queued once.
import { afterEach, describe, expect, test } from 'bun:test';
import { at, execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const CRASH = { reason: 'BATCH_CRASHED' as const, message: 'runner of batch_1 crashed (signal SIGKILL)' };
const queued = (store: ReturnType<typeof scratch.store>) =>
  store.sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM sync_queue').get()!.n;

function heldRun(resumable = true) {
  const store = scratch.store();
  store.createExecution({ ...execution('exec_a'), steps: ['a', 'b', 'c'], resumable });
  store.recordStep('exec_a', { name: 'a', order: 0, status: 'completed', pass: true, attempts: 1 });
  store.markStepRunning('exec_a', 1, at(1_000));
  const marked = store.markInterrupted({ batchId: 'batch_1' }, 'failed', CRASH, at(2_000), {
    holdResumable: true,
  });
  return { store, marked };
}

const statuses = (store: ReturnType<typeof scratch.store>) =>
  store.getResult('exec_a')!.steps.map((s) => s.status);

describe('a resumable run cut off by a crash', () => {
  test('is held: still running with the crash recorded, steps as they were, not queued', () => {
    const { store, marked } = heldRun();
    expect(marked).toEqual(['exec_a']);
    const e = store.getExecution('exec_a')!;
    expect([e.status, e.statusReason, e.error]).toEqual(['running', 'BATCH_CRASHED', CRASH.message]);
    expect(statuses(store)).toEqual(['completed', 'running', 'pending']);
    expect(queued(store)).toBe(0);
    expect(store.heldExecution('batch_1')).toEqual({
      id: 'exec_a',
      packageHash: 'sha256:abc',
      statusReason: 'BATCH_CRASHED',
      error: CRASH.message,
    });
  });

  test('a run that does not resume is ended as today, even when the caller would hold', () => {
    const { store } = heldRun(false);
    expect(store.getExecution('exec_a')!.status).toBe('failed');
    expect(store.heldExecution('batch_1')).toBeUndefined();
    expect(queued(store)).toBe(1);
  });

  test('resumed: running again from the cut-off step, the resume recorded; it is queued once, at its end', () => {
    const { store } = heldRun();
    const record = {
      kind: 'resume' as const,
      startedAt: at(3_000),
      completedAt: at(3_100),
      passed: true,
      safeState: [{ hardware: 'psu', ok: true }],
      steps: [],
      resumedFrom: { order: 1, step: 'b' },
      interruption: CRASH,
    };
    store.resumeExecution('exec_a', 1, record);
    const e = store.getExecution('exec_a')!;
    expect([e.status, e.statusReason, e.error]).toEqual(['running', null, null]);
    expect(statuses(store)).toEqual(['completed', 'pending', 'pending']);
    expect(store.getRecovery('exec_a')).toEqual(record);
    // On the execution: the API, the exports and the Backend read it from getResult.
    expect(store.getResult('exec_a')!.resumes).toEqual([
      { resumedAt: at(3_100), fromOrder: 1, fromStep: 'b', reason: CRASH.reason, message: CRASH.message },
    ]);
    expect(store.heldExecution('batch_1')).toBeUndefined();
    expect(() => store.resumeExecution('exec_a', 1, record)).toThrow('no execution exec_a held');
    expect(queued(store)).toBe(0);
    store.finishExecution('exec_a', { status: 'completed', overallPass: true, completedAt: at(9_000) });
    expect(queued(store)).toBe(1);
    // Nothing recovers a run that went on to the end.
    expect(store.executionToRecover('batch_1')).toBeUndefined();
  });

  test('the results list and the unit history count its resumes; other runs count none', () => {
    const store = scratch.store();
    const dut = { serialNumber: 'SN-9' };
    store.createExecution({ ...execution('exec_a'), steps: ['a', 'b'], resumable: true, dut });
    store.createExecution({ ...execution('exec_b', 60_000, { batchId: 'batch_2' }), dut });
    const resume = (n: number) => {
      store.markStepRunning('exec_a', 1, at(n * 1_000));
      store.markInterrupted({ batchId: 'batch_1' }, 'failed', CRASH, at(n * 1_000 + 100), {
        holdResumable: true,
      });
      store.resumeExecution('exec_a', 1, {
        kind: 'resume',
        startedAt: at(n * 1_000 + 200),
        completedAt: at(n * 1_000 + 300),
        passed: true,
        safeState: [],
        steps: [],
        resumedFrom: { order: 1, step: 'b' },
        interruption: CRASH,
      });
    };
    const counts = () => [
      store.listResults({}).items.map((r) => [r.id, r.resumeCount]),
      store.unitHistory('SN-9')!.runs.map((r) => [r.id, r.resumeCount]),
    ];
    expect(counts()).toEqual([
      [
        ['exec_b', 0],
        ['exec_a', 0],
      ],
      [
        ['exec_b', 0],
        ['exec_a', 0],
      ],
    ]);
    resume(1);
    resume(2);
    const twice = [
      ['exec_b', 0],
      ['exec_a', 2],
    ];
    expect(counts()).toEqual([twice, twice]);
    // The count is the length of the result's own list of resumes.
    expect(store.getResult('exec_a')!.resumes).toHaveLength(2);
  });

  test('ended by its next runner (or a stop) with the crash that cut it off; then recovered as any crash', () => {
    const { store } = heldRun();
    store.markInterrupted('exec_a', 'stopped', { reason: 'ABORTED', message: 'ABORTED: stopped' }, at(5_000));
    const e = store.getExecution('exec_a')!;
    expect([e.status, e.statusReason, e.error]).toEqual(['failed', 'BATCH_CRASHED', CRASH.message]);
    expect(statuses(store)).toEqual(['completed', 'failed', 'skipped']);
    expect(queued(store)).toBe(1);
    expect(store.executionToRecover('batch_1')?.id).toBe('exec_a');
  });
});
