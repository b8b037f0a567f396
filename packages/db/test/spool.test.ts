// The spool of a batch host and its replay on the station: the host's writes reach the station's store
// exactly once and in order, whatever the link does between them (a lost acknowledgement, a redelivery, a
// record that overtakes another, a crash of the host between its write and the delivery).
import { afterEach, describe, expect, test } from 'bun:test';
import type { SpoolRecord, StepResult } from '@station/model';
import { openStore, type Store, spoolingStore } from '../src/index.ts';
import { at, execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

function step(order: number, status: StepResult['status'] = 'completed'): StepResult {
  return {
    name: `step_${order}`,
    order,
    status,
    pass: status === 'completed',
    startedAt: at(order * 1_000),
    completedAt: at(order * 1_000 + 500),
    duration: 0.5,
    attempts: 1,
    result: { order },
    error: null,
    measurements: [{ name: 'v', value: order, unit: 'V', low: 0, high: 10, equals: null, pass: true }],
  };
}

/** A host store written through the spool as a remote runner writes it: a run of `steps` steps. */
function hostRun(host: Store, id: string, steps: number, finish = true): void {
  host.createExecution(execution(id, 0, { steps: Array.from({ length: steps }, (_, i) => `step_${i}`) }));
  for (let i = 0; i < steps; i++) {
    host.markStepRunning(id, i, at(i * 1_000));
    const { measurements, ...fields } = step(i);
    host.recordStep(id, fields, measurements);
  }
  if (finish) host.finishExecution(id, { status: 'completed', overallPass: true, completedAt: at(60_000) });
}

/** What the station's store holds of an execution, as the API serves it. */
function served(store: Store, id: string) {
  return store.getResult(id);
}

describe('spool and replay', () => {
  test('the station ends up with exactly what the host wrote, and the outbox entry', () => {
    const raw = scratch.store();
    const host = spoolingStore(raw, 'batch_1');
    const station = scratch.store();
    hostRun(host, 'exec_a', 3);
    const pending = raw.spoolPending();
    // create, 3 x (running mark + step), finish
    expect(pending.map((r) => [r.seq, r.op])).toEqual([
      [1, 'createExecution'],
      [2, 'markStepRunning'],
      [3, 'recordStep'],
      [4, 'markStepRunning'],
      [5, 'recordStep'],
      [6, 'markStepRunning'],
      [7, 'recordStep'],
      [8, 'finishExecution'],
    ]);
    const ack = station.applySpooled('rack-2', pending);
    expect(ack.outcomes.map((o) => o.outcome)).toEqual(Array(8).fill('applied'));
    expect(served(station, 'exec_a')).toEqual(served(raw, 'exec_a'));
    expect(station.syncStats().pending).toBe(1);
    raw.spoolAcknowledge(ack.outcomes);
    expect(raw.spoolCount()).toBe(0);
  });

  test("a step's result that marks the next step running replays with the mark and its moment", () => {
    const raw = scratch.store();
    const host = spoolingStore(raw, 'batch_1');
    const station = scratch.store();
    host.createExecution(execution('exec_a', 0, { steps: ['step_0', 'step_1'] }));
    host.markStepRunning('exec_a', 0, at(0));
    const { measurements, ...fields } = step(0);
    host.recordStep('exec_a', fields, measurements, { next: { order: 1, startedAt: at(700) } });
    const pending = raw.spoolPending();
    expect(pending.map((r) => r.op)).toEqual(['createExecution', 'markStepRunning', 'recordStep']);
    station.applySpooled('rack-2', pending);
    const steps = served(station, 'exec_a')?.steps.map((s) => [s.name, s.status, s.startedAt]);
    expect(steps).toEqual([
      ['step_0', 'completed', at(0)],
      ['step_1', 'running', at(700)],
    ]);
    expect(served(station, 'exec_a')).toEqual(served(raw, 'exec_a'));
  });

  test('a delivery whose acknowledgement was lost is sent again: acknowledged, written once', () => {
    const raw = scratch.store();
    const station = scratch.store();
    hostRun(spoolingStore(raw, 'batch_1'), 'exec_a', 2);
    const pending = raw.spoolPending();
    station.applySpooled('rack-2', pending.slice(0, 3));
    // The answer never reached the host: it sends everything again from its oldest record.
    const again = station.applySpooled('rack-2', raw.spoolPending());
    expect(again.outcomes.map((o) => o.outcome)).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
      'applied',
      'applied',
      'applied',
    ]);
    expect(served(station, 'exec_a')?.steps).toEqual([step(0), step(1)]);
    expect(station.sqlite.query('SELECT count(*) AS n FROM measurements').get()).toEqual({ n: 2 });
    expect(station.sqlite.query('SELECT count(*) AS n FROM sync_queue').get()).toEqual({ n: 1 });
  });

  test('a record that overtakes an earlier one waits for it, then both apply in order', () => {
    const raw = scratch.store();
    const station = scratch.store();
    hostRun(spoolingStore(raw, 'batch_1'), 'exec_a', 1);
    const [create, mark, rec, finish] = raw.spoolPending() as [
      SpoolRecord,
      SpoolRecord,
      SpoolRecord,
      SpoolRecord,
    ];
    const first = station.applySpooled('rack-2', [create, rec, finish]);
    expect(first.outcomes.map((o) => [o.seq, o.outcome])).toEqual([
      [1, 'applied'],
      [3, 'early'],
      [4, 'early'],
    ]);
    expect(served(station, 'exec_a')?.steps.map((s) => s.status)).toEqual(['pending']);
    // The host acknowledges only what was applied and sends the rest again, in order.
    raw.spoolAcknowledge(first.outcomes.filter((o) => o.outcome !== 'early'));
    expect(raw.spoolPending().map((r) => r.seq)).toEqual([2, 3, 4]);
    const second = station.applySpooled('rack-2', [mark, rec, finish]);
    expect(second.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(served(station, 'exec_a')).toEqual(served(raw, 'exec_a'));
  });

  test('a host that crashed after its write and before the delivery sends the write after its restart', () => {
    const dir = scratch.dir();
    const path = `${dir}/host.db`;
    const station = scratch.store();
    const before = openStore(path);
    hostRun(spoolingStore(before, 'batch_1'), 'exec_a', 2, false);
    // Crash: the connection is dropped without a clean close (nothing is delivered or acknowledged).
    before.sqlite.close(false);
    const after = scratch.track(openStore(path));
    const ack = station.applySpooled('rack-2', after.spoolPending());
    after.spoolAcknowledge(ack.outcomes);
    expect(served(station, 'exec_a')?.steps).toEqual([step(0), step(1)]);
    // The run goes on under the restarted host: its records continue the execution's sequence.
    const host = spoolingStore(after, 'batch_1');
    host.finishExecution('exec_a', { status: 'completed', overallPass: true, completedAt: at(60_000) });
    expect(after.spoolPending().map((r) => [r.seq, r.op])).toEqual([[6, 'finishExecution']]);
    station.applySpooled('rack-2', after.spoolPending());
    expect(served(station, 'exec_a')).toEqual(served(after, 'exec_a'));
  });

  test('a write of a run the station already ended (its runner was declared lost) is refused, acknowledged', () => {
    const raw = scratch.store();
    const station = scratch.store();
    const host = spoolingStore(raw, 'batch_1');
    hostRun(host, 'exec_a', 1, false);
    station.applySpooled('rack-2', raw.spoolPending());
    raw.spoolAcknowledge(raw.spoolPending());
    station.markInterrupted('exec_a', 'failed', { reason: 'BATCH_LOST', message: 'lost' }, at(30_000));
    const { measurements, ...late } = step(1);
    host.recordStep('exec_a', late, measurements);
    const ack = station.applySpooled('rack-2', raw.spoolPending());
    expect(ack.outcomes).toEqual([
      {
        executionId: 'exec_a',
        seq: 4,
        outcome: 'refused',
        message: 'recordStep: cannot record step step_1: execution exec_a already ended (failed)',
      },
    ]);
    // Refused is final: the same record again is a duplicate.
    expect(station.applySpooled('rack-2', raw.spoolPending()).outcomes[0]?.outcome).toBe('duplicate');
  });

  test('a record whose arguments are not what the host spools is refused naming the field; the next applies', () => {
    const raw = scratch.store();
    const station = scratch.store();
    hostRun(spoolingStore(raw, 'batch_1'), 'exec_a', 1);
    const [create, mark, record, finish] = raw.spoolPending();
    // A step whose status no version of the runner writes (a damaged row, a host of another version).
    const bad: SpoolRecord = {
      ...record!,
      args: [...record!.args.slice(0, 1), { name: 'step_0', order: 0, status: 'exploded' }, [], {}],
    };
    const ack = station.applySpooled('rack-2', [create!, mark!, bad, finish!]);
    expect(ack.outcomes.map((o) => [o.seq, o.outcome])).toEqual([
      [1, 'applied'],
      [2, 'applied'],
      [3, 'refused'],
      [4, 'applied'],
    ]);
    expect(ack.outcomes[2]?.message).toStartWith('recordStep: arguments of recordStep at /1/status:');
    expect(station.getResult('exec_a')?.status).toBe('completed');
  });

  test('a batch-wide crash mark is spooled per execution it ended, with its time fixed', () => {
    const raw = scratch.store();
    const station = scratch.store();
    const host = spoolingStore(raw, 'batch_1');
    hostRun(host, 'exec_a', 1, false);
    const ended = host.markInterrupted({ batchId: 'batch_1' }, 'failed', {
      reason: 'BATCH_CRASHED',
      message: 'crash',
    });
    expect(ended).toEqual(['exec_a']);
    const last = raw.spoolPending().at(-1);
    expect(last?.op).toBe('markInterrupted');
    expect(last?.args[0]).toBe('exec_a');
    station.applySpooled('rack-2', raw.spoolPending());
    expect(served(station, 'exec_a')).toEqual(served(raw, 'exec_a'));
  });

  test('reads and close go to the host store underneath', () => {
    const raw = scratch.store();
    const host = spoolingStore(raw, 'batch_1');
    hostRun(host, 'exec_a', 1);
    expect(host.getResult('exec_a')?.status).toBe('completed');
    expect(host.closed).toBe(false);
    host.close();
    expect(raw.closed).toBe(true);
    expect(host.closed).toBe(true);
  });
});
