// The gateway's read model with injected events and snapshots: how a card is composed from its two
// authors, what survives a run's end and a resync, and that repeated, late or reordered events change
// nothing they should not.
import { describe, expect, test } from 'bun:test';
import type { BatchDetail, BatchStatus, LastResult, RunUnit, StationEvent } from '@station/model';
import { LOG_LINES, type SnapshotSource, StationModel } from '../src/station-model.ts';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
/** Lifecycle revisions after the snapshots the tests take (at T0 + 5 s). */
const R = T0 + 10_000;

/** A supervisor and store the test scripts; `down` makes every request fail as the bus would. */
class Source implements SnapshotSource {
  rows: BatchStatus[] = [{ id: 'b1', name: 'Slot 1', status: 'idle' }];
  details = new Map<string, BatchDetail>();
  stored = new Map<string, LastResult>();
  down = false;
  supervisorPid = 100;
  /** When set, `list` waits for it (a snapshot in flight). */
  gate: Promise<void> | undefined;
  calls: string[] = [];

  async list(): Promise<BatchStatus[]> {
    this.calls.push('list');
    const rows = structuredClone(this.rows);
    await this.gate;
    if (this.down) throw new Error('no live worker for supervisor');
    return rows;
  }

  async get(batchId: string): Promise<BatchDetail> {
    this.calls.push(`get ${batchId}`);
    if (this.down) throw new Error('no live worker for supervisor');
    const d = this.details.get(batchId);
    if (!d) throw new Error(`no batch ${batchId}`);
    return structuredClone(d);
  }

  lastResults(): Map<string, LastResult> {
    return new Map(this.stored);
  }

  async probe(): Promise<{ pid: number }> {
    if (this.down) throw new Error('no live worker for supervisor');
    return { pid: this.supervisorPid };
  }
}

function setup() {
  const source = new Source();
  const clock = { t: T0 + 5_000, now: () => clock.t };
  const sent: BatchStatus[] = [];
  const model = new StationModel({ source, clock, onCard: (c) => sent.push(c) });
  // Wherever a test reads the cards, the text GET /api/batches answers (each card's text kept since its
  // last change) must say the same as the cards built afresh.
  const fresh = model.cards.bind(model);
  model.cards = () => {
    const cards = fresh();
    expect(JSON.parse(model.cardsJson())).toEqual(cards);
    return cards;
  };
  return { source, clock, sent, model };
}

const proc = (rev: number, status: BatchStatus['status'], pid?: number, extra = {}): StationEvent => ({
  type: 'batch_process',
  batch_id: 'b1',
  data: { status, rev, restarts: 0, ...(pid !== undefined ? { pid } : {}), ...extra },
});

const run = (progress: number, stepIndex: number, exec = 'exec_01'): StationEvent => ({
  type: 'sequence_status',
  batch_id: 'b1',
  data: {
    sequenceRunning: true,
    sequenceName: 'psu',
    sequenceVersion: '1.0.0',
    executionId: exec,
    startedAt: new Date(T0).toISOString(),
    totalSteps: 4,
    progress,
    currentStep: `s${stepIndex}`,
    stepIndex,
  },
});

const SN9: RunUnit = {
  serialNumber: 'SN9',
  partNumber: null,
  revision: null,
  lot: null,
  serialSourceStep: null,
};

const verdict = (exec = 'exec_01', overallPass = true): LastResult => ({
  executionId: exec,
  status: overallPass ? 'completed' : 'failed',
  overallPass,
  completedAt: new Date(T0 + 4_000).toISOString(),
  duration: 4,
  verdict: overallPass ? 'PASS' : 'FAIL',
});

const ended = (exec = 'exec_01', overallPass = true): StationEvent => ({
  type: 'sequence_status',
  batch_id: 'b1',
  data: { sequenceRunning: false, sequenceName: 'psu', lastResult: verdict(exec, overallPass) },
});

describe('one card from two authors', () => {
  test('lifecycle from the supervisor, the run from the runner, elapsed counted at reading', async () => {
    const { model, clock } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'starting', 7));
    model.apply(proc(R + 2, 'running', 7));
    model.apply(run(0.25, 1));
    expect(model.cards()).toEqual([
      {
        id: 'b1',
        name: 'Slot 1',
        status: 'running',
        pid: 7,
        sequenceName: 'psu',
        sequenceVersion: '1.0.0',
        sequenceRunning: true,
        executionId: 'exec_01',
        startedAt: '2026-01-01T10:00:00.000Z',
        elapsed: 5,
        totalSteps: 4,
        progress: 0.25,
        currentStep: 's1',
        stepIndex: 1,
        dut: null,
      },
    ]);
    clock.t += 2_500;
    expect(model.cards()[0]?.elapsed).toBe(7.5);
  });

  test('the verdict stays after the run ends, through a stop and a new runner', async () => {
    const { model } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply(run(0.75, 3));
    model.apply(ended());
    expect(model.cards()[0]).toEqual({
      id: 'b1',
      name: 'Slot 1',
      status: 'running',
      pid: 7,
      sequenceName: 'psu',
      sequenceVersion: '1.0.0',
      sequenceRunning: false,
      dut: null,
      lastResult: verdict(),
    });
    model.apply(proc(R + 2, 'stopping', 7));
    model.apply(proc(R + 3, 'idle'));
    model.apply(proc(R + 4, 'starting', 8));
    model.apply(proc(R + 5, 'running', 8));
    expect(model.cards()[0]).toMatchObject({ status: 'running', pid: 8, lastResult: verdict() });
  });

  test('a crash shows the supervisor error; the run of the dead runner is not shown as running', async () => {
    const { model } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply(run(0.5, 2));
    const crash = { code: 'BATCH_CRASHED', message: 'runner of b1 crashed (SIGKILL)', at: 'x' };
    model.apply(proc(R + 2, 'error', undefined, { lastError: crash, restarts: 1 }));
    // The run that died without its verdict is its unit's ERROR, with the crash's code.
    expect(model.cards()[0]).toEqual({
      id: 'b1',
      name: 'Slot 1',
      status: 'error',
      sequenceRunning: false,
      lastError: crash,
      lastResult: {
        executionId: 'exec_01',
        status: 'failed',
        overallPass: null,
        errorCode: 'BATCH_CRASHED',
        verdict: 'ERROR',
      },
    });
    // Restarted by the policy: running again, no run yet, the crash still on the card until acknowledged.
    model.apply(proc(R + 3, 'running', 9, { lastError: crash, restarts: 1 }));
    expect(model.cards()[0]).toMatchObject({
      status: 'running',
      pid: 9,
      sequenceRunning: false,
      lastError: crash,
    });
    // The supervisor's report of the lost run, as the store holds it, completes the ERROR it was given.
    model.apply({
      type: 'sequence_complete',
      batch_id: 'b1',
      data: {
        executionId: 'exec_01',
        overallPass: false,
        duration: 3.5,
        status: 'failed',
        statusReason: 'BATCH_CRASHED',
        verdict: 'ERROR',
        steps: [],
        dut: SN9,
      },
    });
    expect(model.cards()[0]?.lastResult).toEqual({
      executionId: 'exec_01',
      status: 'failed',
      overallPass: null,
      duration: 3.5,
      errorCode: 'BATCH_CRASHED',
      verdict: 'ERROR',
      dut: SN9,
    });
  });

  test("a runner's error event is on the card until its next run; an operator's abort is not", async () => {
    const { model } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply({ type: 'error', batch_id: 'b1', data: { code: 'ABORTED', message: 'stopped by request' } });
    expect(model.cards()[0]?.lastError).toBeUndefined();
    model.apply({
      type: 'error',
      batch_id: 'b1',
      data: { code: 'HARDWARE_ERROR', message: 'psu: timeout', step: 'initialize' },
    });
    expect(model.cards()[0]?.lastError).toEqual({
      code: 'HARDWARE_ERROR',
      message: 'psu: timeout',
      at: '2026-01-01T10:00:05.000Z',
      details: { step: 'initialize' },
    });
    model.apply(run(0, 0, 'exec_02'));
    expect(model.cards()[0]?.lastError).toBeUndefined();
  });

  test('the unit under test is on the card while its run goes on; a serial a step read replaces it', async () => {
    const { model } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    const unit: RunUnit = {
      serialNumber: null,
      partNumber: 'PSU-5',
      revision: null,
      lot: null,
      serialSourceStep: null,
    };
    const at = (dut: RunUnit) => {
      const event = run(0.25, 1);
      if (event.type === 'sequence_status') event.data.dut = dut;
      return event;
    };
    model.apply(at(unit));
    expect(model.cards()[0]?.dut).toEqual(unit);
    // Same position, the serial now known: taken, not dropped as a repeat.
    const read: RunUnit = { ...unit, serialNumber: 'SN-1', serialSourceStep: 's1' };
    model.apply(at(read));
    expect(model.cards()[0]?.dut).toEqual(read);
    model.apply(ended());
    expect(model.cards()[0]?.dut).toBeNull();
  });

  test("an acknowledged error leaves the card, the runner's report of it too", async () => {
    const { model } = setup();
    await model.resync();
    const failed = { code: 'RECOVERY_FAILED', message: 'cleanup step power_off failed', at: 'x' };
    model.apply(proc(R + 1, 'running', 7, { lastError: failed }));
    model.apply({ type: 'error', batch_id: 'b1', data: { code: 'RECOVERY_FAILED', message: 'failed' } });
    expect(model.cards()[0]?.lastError?.code).toBe('RECOVERY_FAILED');
    model.apply(proc(R + 2, 'running', 7));
    expect(model.cards()[0]?.lastError).toBeUndefined();
  });

  test('only changes go out, whole: repeated facts send nothing', async () => {
    const { model, sent } = setup();
    await model.resync();
    expect(sent).toEqual([{ id: 'b1', name: 'Slot 1', status: 'idle', sequenceRunning: false }]);
    model.apply(proc(R + 1, 'running', 7));
    model.apply(run(0.25, 1));
    model.apply(run(0.25, 1));
    model.apply({ type: 'log', batch_id: 'b1', data: { level: 'info', message: 'x', timestamp: 't' } });
    expect(sent.map((c) => [c.status, c.progress])).toEqual([
      ['idle', undefined],
      ['running', undefined],
      ['running', 0.25],
    ]);
  });
});

describe('repeated, late and reordered events', () => {
  test('a lifecycle event with an older or equal revision is dropped', async () => {
    const { model } = setup();
    await model.resync();
    model.apply(proc(R + 10, 'running', 7));
    model.apply(proc(R + 5, 'starting', 7)); // overtaken
    model.apply(proc(R + 10, 'stopping', 7)); // same revision: a repeat
    expect(model.cards()[0]).toMatchObject({ status: 'running', pid: 7 });
  });

  test('a run report behind the one held is dropped; an ended run stays ended', async () => {
    const { model } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply(run(0.5, 2));
    model.apply(run(0.25, 1)); // older step
    expect(model.cards()[0]).toMatchObject({ progress: 0.5, currentStep: 's2' });
    model.apply(ended());
    model.apply(run(0.75, 3)); // a late report of the run that already has its verdict
    expect(model.cards()[0]).toMatchObject({ sequenceRunning: false, lastResult: verdict() });
    expect(model.cards()[0]?.progress).toBeUndefined();
  });

  test("an older run's verdict does not replace a newer one", async () => {
    const { model } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply(ended('exec_02', false));
    model.apply(ended('exec_01', true));
    expect(model.cards()[0]?.lastResult).toEqual(verdict('exec_02', false));
  });

  test('a repeated step_complete is in the detail once', async () => {
    const { model, source } = setup();
    source.details.set('b1', {
      id: 'b1',
      name: 'Slot 1',
      status: 'running',
      pid: 7,
      sequencePackage: 'psu',
      autoStart: false,
      hardware: {},
      parameters: {},
      manualCommands: [{ hardware: 'psu', command: 'on' }],
      restarts: 0,
    });
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply(run(0, 0));
    const done: StationEvent = {
      type: 'step_complete',
      batch_id: 'b1',
      data: { step: 's0', duration: 0.1, pass: true, result: 5 },
    };
    model.apply(done);
    model.apply(done);
    const detail = await model.get('b1');
    expect(detail?.execution?.steps.map((s) => [s.name, s.order, s.status, s.pass])).toEqual([
      ['s0', 0, 'completed', true],
    ]);
    expect(detail?.manualCommands).toEqual([{ hardware: 'psu', command: 'on' }]);
    // Another process: the old one's commands are not offered.
    model.apply(proc(R + 2, 'running', 8));
    source.down = true;
    expect((await model.get('b1'))?.manualCommands).toEqual([]);
  });

  test('the open prompt is in the detail until it closes; a repeated close changes nothing', async () => {
    const { model, source } = setup();
    source.details.set('b1', {
      id: 'b1',
      name: 'Slot 1',
      status: 'running',
      pid: 7,
      sequencePackage: 'psu',
      autoStart: false,
      hardware: {},
      parameters: {},
      manualCommands: [],
      restarts: 0,
    });
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply(run(0.25, 1));
    const prompt = {
      id: 'p1',
      executionId: 'exec_01',
      step: 's1',
      kind: 'confirm' as const,
      message: 'Is the LED green?',
      openedAt: 'T1',
      deadline: 'T2',
    };
    model.apply({ type: 'operator_prompt', batch_id: 'b1', data: prompt });
    model.apply(run(0.25, 1)); // a repeated run report keeps it
    expect((await model.get('b1'))?.execution?.prompt).toEqual(prompt);
    const closed: StationEvent = {
      type: 'operator_prompt_closed',
      batch_id: 'b1',
      data: {
        id: 'p1',
        executionId: 'exec_01',
        step: 's1',
        status: 'answered',
        answer: true,
        closedAt: 'T3',
      },
    };
    model.apply(closed);
    model.apply(closed);
    expect((await model.get('b1'))?.execution?.prompt).toBeUndefined();
  });

  test('events for a batch the station does not have are ignored', async () => {
    const { model } = setup();
    await model.resync();
    model.apply({ ...proc(R + 1, 'running', 7), batch_id: 'b9' } as StationEvent);
    expect(model.cards().map((c) => c.id)).toEqual(['b1']);
  });
});

describe('resync', () => {
  test('after a lost link: the snapshot brings back what the events missed, the verdict from the store', async () => {
    const { model, source } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply(run(0.25, 1));
    // Link down: the run ended and a new one began; nothing arrived.
    source.rows = [
      {
        id: 'b1',
        name: 'Slot 1',
        status: 'running',
        pid: 7,
        sequenceRunning: true,
        executionId: 'exec_02',
        totalSteps: 4,
        progress: 0.5,
        currentStep: 's2',
        stepIndex: 2,
      },
    ];
    source.stored.set('b1', verdict('exec_01', false));
    await model.resync();
    expect(model.cards()[0]).toMatchObject({
      status: 'running',
      executionId: 'exec_02',
      progress: 0.5,
      lastResult: verdict('exec_01', false),
    });
  });

  test('events that arrive during a snapshot win over it; older lifecycle events lose to it', async () => {
    const { model, source, clock } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply(run(0.25, 1));
    clock.t = R + 1_000;
    const gate = Promise.withResolvers<void>();
    source.gate = gate.promise;
    source.rows = [
      {
        id: 'b1',
        name: 'Slot 1',
        status: 'running',
        pid: 7,
        sequenceRunning: true,
        executionId: 'exec_01',
        totalSteps: 4,
        progress: 0.5,
        currentStep: 's2',
        stepIndex: 2,
      },
    ];
    const resync = model.resync();
    // The snapshot is taken at clock.t; it already reflects a lifecycle change from before that.
    model.apply(proc(clock.t - 100, 'stopping', 7));
    expect(model.cards()[0]?.status).toBe('stopping'); // applied at once, until the snapshot is in
    model.apply(run(0.75, 3)); // newer than the snapshot's run
    gate.resolve();
    await resync;
    expect(model.cards()[0]).toMatchObject({ status: 'running', progress: 0.75, currentStep: 's3' });
    // Late and repeated after the snapshot: dropped.
    model.apply(proc(clock.t - 50, 'idle'));
    model.apply(run(0.5, 2));
    expect(model.cards()[0]).toMatchObject({ status: 'running', progress: 0.75 });
  });

  test('a restarted supervisor (new pid) is resynced from; an unreachable one marks the cards stale', async () => {
    const { model, source, sent } = setup();
    await model.check();
    expect(source.calls).toEqual(['list']);
    await model.check();
    expect(source.calls).toEqual(['list']); // same supervisor, nothing to do
    source.down = true;
    await model.check();
    expect(model.cards()[0]?.stale).toEqual({
      since: '2026-01-01T10:00:05.000Z',
      reason: 'the supervisor does not answer: no live worker for supervisor',
    });
    expect(sent.at(-1)?.stale).toBeDefined();
    source.down = false;
    source.supervisorPid = 101;
    source.rows = [{ id: 'b1', name: 'Slot 1', status: 'running', pid: 12 }];
    await model.check();
    expect(source.calls).toEqual(['list', 'list']);
    expect(model.cards()[0]).toEqual({
      id: 'b1',
      name: 'Slot 1',
      status: 'running',
      pid: 12,
      sequenceRunning: false,
      dut: null,
    });
    expect(sent.at(-1)?.stale).toBeUndefined();
  });

  test('the first read takes the snapshot; with no supervisor it fails and keeps failing until one answers', async () => {
    const { model, source } = setup();
    source.down = true;
    await expect(model.list()).rejects.toThrow('no live worker for supervisor');
    source.down = false;
    expect((await model.list()).map((c) => c.status)).toEqual(['idle']);
  });

  test('while stale, runner events still move the card', async () => {
    const { model, source } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    source.down = true;
    await model.check();
    model.apply(run(0.5, 2));
    expect(model.cards()[0]).toMatchObject({
      status: 'running',
      progress: 0.5,
      stale: { since: expect.any(String) },
    });
  });
});

describe('after a crash, and what a detail page opened later reads', () => {
  const crash = {
    code: 'BATCH_CRASHED',
    message: 'runner of b1 crashed (SIGKILL)',
    at: '2026-01-01T10:00:03.000Z',
  };

  test('the crash banner is over once a run starts after the restart, as a run error is; a new crash shows', async () => {
    const { model } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply(run(0.5, 2));
    model.apply(proc(R + 2, 'error', undefined, { lastError: crash, restarts: 1 }));
    model.apply({ type: 'error', batch_id: 'b1', data: { code: 'BATCH_CRASHED', message: crash.message } });
    // Restarted by the policy: the supervisor keeps its error; the card shows it until the next run.
    model.apply(proc(R + 3, 'running', 9, { lastError: crash, restarts: 1 }));
    expect(model.cards()[0]?.lastError).toEqual(crash);
    model.apply(run(0, 0, 'exec_02'));
    expect(model.cards()[0]?.lastError).toBeUndefined();
    model.apply(ended('exec_02', true));
    // The supervisor restating the same error (a resync, a restart count) does not bring it back.
    model.apply(proc(R + 4, 'running', 9, { lastError: crash, restarts: 2 }));
    expect(model.cards()[0]).toMatchObject({ lastResult: { executionId: 'exec_02', overallPass: true } });
    expect(model.cards()[0]?.lastError).toBeUndefined();
    // A crash of its own after that run is shown again.
    const again = { ...crash, at: '2026-01-01T10:00:09.000Z', message: 'runner of b1 crashed again' };
    model.apply(proc(R + 5, 'error', undefined, { lastError: again, restarts: 2 }));
    expect(model.cards()[0]?.lastError).toEqual(again);
  });

  test('a run the next runner resumed is running again on the card and in the detail, with its resumes', async () => {
    const { model, source } = setup();
    await model.resync();
    model.apply(proc(R + 1, 'running', 7));
    model.apply(run(0.25, 1));
    model.apply(proc(R + 2, 'error', undefined, { lastError: crash, restarts: 1 }));
    expect(model.cards()[0]).toMatchObject({ sequenceRunning: false, lastResult: { verdict: 'ERROR' } });
    // The policy's restart: the new runner continues exec_01 at the cut-off step (no sequence_complete).
    model.apply(proc(R + 3, 'running', 9, { lastError: crash, restarts: 1 }));
    const resumes = [
      {
        resumedAt: '2026-01-01T10:00:04.000Z',
        fromOrder: 1,
        fromStep: 's1',
        reason: 'BATCH_CRASHED',
        message: crash.message,
      },
    ];
    const resumed = run(0.25, 1);
    if (resumed.type === 'sequence_status') resumed.data.resumes = resumes;
    model.apply(resumed);
    // Running, marked, and the crash is told by the mark rather than the red banner.
    const card = model.cards()[0]!;
    expect(card).toMatchObject({ status: 'running', sequenceRunning: true, executionId: 'exec_01', resumes });
    expect(card.lastError).toBeUndefined();
    source.details.set('b1', {
      ...card,
      pid: 9,
      sequencePackage: 'psu',
      autoStart: false,
      hardware: {},
      parameters: {},
      manualCommands: [],
      restarts: 1,
    });
    expect((await model.get('b1'))?.execution).toMatchObject({ executionId: 'exec_01', resumes });
    const further = run(0.5, 2);
    if (further.type === 'sequence_status') further.data.resumes = resumes;
    model.apply(further);
    expect(model.cards()[0]).toMatchObject({ currentStep: 's2', resumes });
    // Its own verdict ends it; the mark goes with the run.
    model.apply(ended('exec_01', true));
    expect(model.cards()[0]).toMatchObject({
      sequenceRunning: false,
      lastResult: { executionId: 'exec_01', overallPass: true, duration: 4 },
    });
    expect(model.cards()[0]?.resumes).toBeUndefined();
    // A late report of it running, after its verdict, is old news.
    model.apply(further);
    expect(model.cards()[0]?.sequenceRunning).toBe(false);
  });

  test('a gateway started after the run that followed the crash does not show that crash', async () => {
    const { model, source } = setup();
    source.rows = [{ id: 'b1', name: 'Slot 1', status: 'running', pid: 9, lastError: crash }];
    // The store's newest run of the batch ended after the crash was raised (T0 + 4 s > T0 + 3 s).
    source.stored.set('b1', verdict('exec_02', true));
    await model.resync();
    expect(model.cards()[0]?.lastError).toBeUndefined();
    // The run the crash cut short (it ended when the crash was raised) leaves it shown.
    const { model: other, source: src2 } = setup();
    src2.rows = source.rows;
    src2.stored.set('b1', { ...verdict('exec_01', false), completedAt: crash.at, verdict: 'ERROR' });
    await other.resync();
    expect(other.cards()[0]?.lastError).toEqual(crash);
  });

  test('the recent log keeps the last lines and errors of each batch, oldest first, once each', async () => {
    const { model, source, clock } = setup();
    await model.resync();
    const line = (n: number): StationEvent => ({
      type: 'log',
      batch_id: 'b1',
      data: { level: 'info', message: `line ${n}`, timestamp: new Date(T0 + n).toISOString() },
    });
    for (let n = 0; n < 5; n++) model.apply(line(n));
    model.apply({ type: 'error', batch_id: 'b1', data: { code: 'ABORTED', message: 'stopped by request' } });
    model.apply({
      type: 'error',
      batch_id: 'b1',
      data: { code: 'STEP_TIMEOUT', message: 'set_output: 5 s' },
    });
    // A resync (its snapshot holds no log) neither loses nor repeats a line.
    let open = () => {};
    source.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const resync = model.resync();
    model.apply(line(5));
    open();
    await resync;
    const log = await model.log('b1');
    expect(log?.map((l) => `${l.level} ${l.message}`)).toEqual([
      'info line 0',
      'info line 1',
      'info line 2',
      'info line 3',
      'info line 4',
      'warn ABORTED: stopped by request',
      'error STEP_TIMEOUT: set_output: 5 s',
      'info line 5',
    ]);
    expect(log?.[5]?.timestamp).toBe(new Date(clock.t).toISOString());
    for (let n = 0; n < LOG_LINES + 10; n++) model.apply(line(100 + n));
    const full = await model.log('b1');
    expect(full?.length).toBe(LOG_LINES);
    expect(full?.at(-1)?.message).toBe(`line ${100 + LOG_LINES + 9}`);
    expect(await model.log('nope')).toBeUndefined();
  });

  test("the running step's start time is on the card and in the detail", async () => {
    const { model, source } = setup();
    await model.resync();
    source.details.set('b1', {
      id: 'b1',
      name: 'Slot 1',
      status: 'running',
      pid: 7,
      sequencePackage: 'psu',
      autoStart: false,
      hardware: {},
      parameters: {},
      manualCommands: [],
      restarts: 0,
    });
    model.apply(proc(R + 1, 'running', 7));
    const step = run(0.25, 1);
    if (step.type === 'sequence_status') step.data.stepStartedAt = '2026-01-01T10:00:02.500Z';
    model.apply(step);
    expect(model.cards()[0]?.stepStartedAt).toBe('2026-01-01T10:00:02.500Z');
    expect((await model.get('b1'))?.execution?.stepStartedAt).toBe('2026-01-01T10:00:02.500Z');
  });
});
