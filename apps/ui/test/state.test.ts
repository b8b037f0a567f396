// The rules that decide what the operator sees, without a browser: cards replace (never merge), what this
// page itself knows (a start it sent, prompts), the step list, form text into checked parameter values.
import { describe, expect, test } from 'bun:test';
import type {
  BatchStatusUpdate,
  ExecutionSnapshot,
  LastResult,
  Measurement,
  OperatorPrompt,
  ServerMessage,
  StepResult,
} from '@station/model';
import { limits } from '../src/format.ts';
import { backoffMs } from '../src/live.ts';
import { checkValues, initialValues, serverFieldErrors } from '../src/params.ts';
import {
  emptyState,
  markStarting,
  promptAnswered,
  reduce,
  type StationState,
  seedSteps,
} from '../src/state.ts';
import type { ParamSpec } from '../src/types.ts';

/** A whole card of batch b1, as the gateway sends every one. */
const snapshot = (data: BatchStatusUpdate): ServerMessage => ({
  type: 'batch_status',
  batch_id: 'b1',
  data: { id: 'b1', name: 'Slot 1', ...data },
});
const fold = (...msgs: ServerMessage[]): StationState => msgs.reduce(reduce, emptyState);

const LAST: LastResult = {
  executionId: 'exec_1',
  status: 'completed',
  overallPass: true,
  duration: 1.2,
  verdict: 'PASS',
};

const PROMPT: OperatorPrompt = {
  id: 'prm_1',
  executionId: 'exec_2',
  step: 'check_led',
  kind: 'choice',
  message: 'LED colour?',
  options: ['green', 'red'],
  openedAt: 'T0',
  deadline: 'T1',
};
// The gateway's card still carries the last verdict while the next run goes on; the page never shows it.
const RUNNING_2: BatchStatusUpdate = {
  status: 'running',
  sequenceRunning: true,
  executionId: 'exec_2',
  startedAt: 'T',
  lastResult: LAST,
};
const running2 = snapshot(RUNNING_2);
const base = [
  snapshot({ id: 'b1', name: 'Slot 1', status: 'running', sequenceRunning: false, lastResult: LAST }),
];

describe('the unit on the card', () => {
  test('starting a run drops the previous verdict at once, before the station reports the run', () => {
    const before = fold(...base);
    expect(before.batches.b1?.lastResult).toEqual(LAST);
    const sent = markStarting(before, 'b1', 'SN0002');
    expect(sent.batches.b1?.lastResult).toBeUndefined();
    expect(sent.live.b1).toMatchObject({ starting: true, unit: { serial: 'SN0002' } });
    // The run reported: it is the unit this page sent.
    const started = reduce(sent, running2);
    expect(started.live.b1).toMatchObject({
      starting: false,
      unit: { serial: 'SN0002', executionId: 'exec_2' },
    });
  });

  test('a run started elsewhere also drops the previous verdict, and shows the serial the station reports', () => {
    const dut = {
      serialNumber: 'SN-OTHER',
      partNumber: null,
      revision: null,
      lot: null,
      serialSourceStep: null,
    };
    const s = fold(...base, snapshot({ ...RUNNING_2, dut }));
    expect(s.batches.b1?.lastResult).toBeUndefined();
    expect(s.live.b1?.unit).toEqual({ serial: 'SN-OTHER', executionId: 'exec_2' });
  });

  test('while a start sent from this page is not yet reported, a card does not bring the old verdict back', () => {
    const sent = markStarting(fold(...base), 'b1', 'SN0002');
    const again = reduce(sent, base[0]!);
    expect(again.batches.b1?.lastResult).toBeUndefined();
    const reported = reduce(again, running2);
    expect(reported.batches.b1?.lastResult).toBeUndefined();
    const ended = reduce(
      reported,
      snapshot({ status: 'running', sequenceRunning: false, lastResult: { ...LAST, executionId: 'exec_2' } }),
    );
    expect(ended.batches.b1?.lastResult).toEqual({ ...LAST, executionId: 'exec_2' });
  });

  test("a crashed run's card reads ERROR with the unit's serial (the gateway puts the supervisor's end on it)", () => {
    const dut = { serialNumber: 'SN9', partNumber: null, revision: null, lot: null, serialSourceStep: null };
    const s = fold(
      ...base,
      running2,
      snapshot({
        status: 'error',
        sequenceRunning: false,
        lastResult: { executionId: 'exec_2', status: 'failed', overallPass: null, verdict: 'ERROR', dut },
      }),
    );
    expect(s.batches.b1?.lastResult).toMatchObject({ executionId: 'exec_2', verdict: 'ERROR' });
    expect(s.batches.b1?.lastResult?.dut?.serialNumber).toBe('SN9');
  });

  test('a prompt shows until it closes; a snapshot taken before the close does not bring it back', () => {
    const asked = fold(...base, running2, { type: 'operator_prompt', batch_id: 'b1', data: PROMPT });
    expect(asked.live.b1?.prompt).toEqual(PROMPT);
    const closed = reduce(asked, {
      type: 'operator_prompt_closed',
      batch_id: 'b1',
      data: { id: 'prm_1', executionId: 'exec_2', step: 'check_led', status: 'answered', closedAt: 'T2' },
    });
    expect(closed.live.b1?.prompt).toBeUndefined();
    const exec: ExecutionSnapshot = {
      executionId: 'exec_2',
      status: 'running',
      startedAt: 'T',
      totalSteps: 2,
      progress: 0,
      steps: [],
    };
    const stale = seedSteps(closed, 'b1', { ...exec, prompt: PROMPT });
    expect(stale.live.b1?.prompt).toBeUndefined();
    // A page opened mid-prompt gets it from the snapshot.
    const fresh = seedSteps(fold(...base, running2), 'b1', { ...exec, prompt: PROMPT });
    expect(fresh.live.b1?.prompt).toEqual(PROMPT);
    // Answered from this page: gone at once, and the late event changes nothing.
    expect(promptAnswered(asked, 'b1', 'prm_1').live.b1?.prompt).toBeUndefined();
  });

  test('the end of the run takes its prompt away', () => {
    const s = fold(
      ...base,
      running2,
      { type: 'operator_prompt', batch_id: 'b1', data: PROMPT },
      {
        type: 'sequence_complete',
        batch_id: 'b1',
        data: {
          executionId: 'exec_2',
          overallPass: false,
          duration: 3,
          status: 'stopped',
          steps: [],
          verdict: 'ABORTED',
        },
      },
    );
    expect(s.live.b1?.prompt).toBeUndefined();
  });
});

describe('batch status', () => {
  test('every card replaces the one before: nothing of an earlier card is kept or merged', () => {
    const crash = { code: 'BATCH_CRASHED', message: 'runner crashed (signal SIGKILL)' };
    const s = fold(
      snapshot({ status: 'running', sequenceRunning: false, lastResult: LAST }),
      snapshot({
        status: 'running',
        sequenceRunning: true,
        executionId: 'exec_2',
        currentStep: 'a',
        progress: 0.5,
        startedAt: 'T',
        lastResult: LAST,
      }),
      snapshot({ status: 'error', sequenceRunning: false, lastError: crash }),
    );
    expect(s.batches.b1).toEqual({
      id: 'b1',
      name: 'Slot 1',
      status: 'error',
      sequenceRunning: false,
      lastError: crash,
    });
    expect(s.order).toEqual(['b1']);
  });

  test('an error event is a log line; the banner is whatever the card says', () => {
    const s = fold(snapshot({ status: 'running' }), {
      type: 'error',
      batch_id: 'b1',
      data: { code: 'ABORTED', message: 'step x aborted' },
    });
    const hw = reduce(s, {
      type: 'error',
      batch_id: 'b1',
      data: { code: 'HARDWARE_ERROR', message: 'no relay 99' },
    });
    expect(hw.live.b1?.logs.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'ABORTED: step x aborted'],
      ['error', 'HARDWARE_ERROR: no relay 99'],
    ]);
    expect(hw.batches.b1).toEqual({ id: 'b1', name: 'Slot 1', status: 'running' });
  });

  test('the end of a run keeps the final step list and leaves the card to the next batch_status', () => {
    const steps: StepResult[] = [
      {
        name: 'a',
        order: 0,
        status: 'completed',
        pass: true,
        startedAt: null,
        completedAt: null,
        duration: 1,
        attempts: 1,
        result: null,
        error: null,
        measurements: [],
      },
    ];
    const s = fold(snapshot({ status: 'running', sequenceRunning: true, executionId: 'exec_9' }), {
      type: 'sequence_complete',
      batch_id: 'b1',
      data: {
        executionId: 'exec_9',
        overallPass: true,
        duration: 2,
        status: 'completed',
        steps,
        verdict: 'PASS',
      },
    });
    expect(s.batches.b1?.sequenceRunning).toBe(true);
    expect(s.live.b1?.steps).toEqual(steps);
  });
});

describe('step list', () => {
  test('follows step_start and step_complete, and a new execution starts empty', () => {
    const m: Measurement = { name: 'v', value: 6, unit: 'V', low: 4.9, high: 5.1, equals: null, pass: false };
    const s = fold(
      snapshot({ id: 'b1', name: 'Slot 1', status: 'running', sequenceRunning: true, executionId: 'e1' }),
      { type: 'step_start', batch_id: 'b1', data: { step: 'a', index: 0, total: 2 } },
      {
        type: 'step_complete',
        batch_id: 'b1',
        data: { step: 'a', duration: 0.5, pass: true, result: null, status: 'completed' },
      },
      { type: 'step_start', batch_id: 'b1', data: { step: 'b', index: 1, total: 2 } },
      {
        type: 'step_complete',
        batch_id: 'b1',
        data: {
          step: 'b',
          duration: 0.1,
          pass: false,
          result: null,
          status: 'failed',
          error: 'limit',
          measurements: [m],
        },
      },
    );
    expect(s.live.b1?.steps).toEqual([
      { name: 'a', status: 'completed', pass: true, duration: 0.5, error: null, measurements: [] },
      { name: 'b', status: 'failed', pass: false, duration: 0.1, error: 'limit', measurements: [m] },
    ]);
    const next = reduce(s, snapshot({ status: 'running', sequenceRunning: true, executionId: 'e2' }));
    expect(next.live.b1?.steps).toEqual([]);
  });
  test('a page opened mid-run shows the finished steps and the current one as running', () => {
    const done: StepResult = {
      name: 'a',
      order: 0,
      status: 'completed',
      pass: true,
      startedAt: 'T',
      completedAt: 'T',
      duration: 0.1,
      attempts: 1,
      result: null,
      error: null,
      measurements: [],
    };
    const exec: ExecutionSnapshot = {
      executionId: 'e1',
      status: 'running',
      startedAt: 'T',
      currentStep: 'b',
      stepIndex: 1,
      totalSteps: 3,
      progress: 0.33,
      steps: [done],
    };
    const s = seedSteps(fold(snapshot({ id: 'b1', name: 'Slot 1', status: 'running' })), 'b1', exec);
    expect(s.live.b1?.steps).toEqual([done, { name: 'b', status: 'running', pass: null }]);
    expect(s.live.b1?.executionId).toBe('e1');
  });
});

describe('parameter forms', () => {
  const schema: Record<string, ParamSpec> = {
    output_voltage: { type: 'number', default: 5, min: 0, max: 30, unit: 'V' },
    settle_ms: { type: 'integer', default: 50, min: 0 },
    path: { type: 'string', default: 'pass', enum: ['pass', 'limit_failure'] },
    channel: { type: 'integer', required: true, min: 1 },
    verbose: { type: 'boolean', default: false },
  };

  test('defaults, overridden by the batch configuration', () => {
    expect(initialValues(schema, { output_voltage: 12 })).toEqual({
      output_voltage: '12',
      settle_ms: '50',
      path: 'pass',
      channel: '',
      verbose: false,
    });
  });

  test('typed values when valid, one message per bad field otherwise', () => {
    expect(
      checkValues(schema, {
        output_voltage: '4.5',
        settle_ms: '10',
        path: 'limit_failure',
        channel: '3',
        verbose: true,
      }),
    ).toEqual({
      values: { output_voltage: 4.5, settle_ms: 10, path: 'limit_failure', channel: 3, verbose: true },
      errors: {},
    });
    expect(
      checkValues(schema, {
        output_voltage: '31',
        settle_ms: '1.5',
        path: 'other',
        channel: '',
        verbose: false,
      }),
    ).toEqual({
      values: { verbose: false },
      errors: {
        output_voltage: 'out of range: 0 to 30 V',
        settle_ms: 'must be a whole number',
        path: 'must be one of pass, limit_failure',
        channel: 'required',
      },
    });
    expect(
      checkValues(schema, { output_voltage: 'five', settle_ms: '', path: 'pass', channel: '1' }).errors,
    ).toEqual({
      output_voltage: 'must be a number',
    });
  });

  test("the server's JSON-pointer paths map back onto fields", () => {
    expect(
      serverFieldErrors({ '/parameters/output_voltage': 'too high', '/params/channel': 'no such channel' }),
    ).toEqual({
      output_voltage: 'too high',
      channel: 'no such channel',
    });
  });
});

test('limits read as people say them', () => {
  const base: Measurement = {
    name: 'm',
    value: 1,
    unit: null,
    low: null,
    high: null,
    equals: null,
    pass: true,
  };
  expect([
    limits({ ...base, low: 4.9, high: 5.1, unit: 'V' }),
    limits({ ...base, low: 0, unit: 'A' }),
    limits({ ...base, high: 0.01 }),
    limits({ ...base, equals: 'cv' }),
    limits(base),
  ]).toEqual(['4.9 … 5.1 V', '≥ 0 A', '≤ 0.01', '= cv', 'recorded']);
});

test('reconnect delays: between 0.5 s and a ceiling that doubles to 10 s', () => {
  const ceilings = [0, 1, 2, 3, 4, 5, 10].map((n) => backoffMs(n, () => 1));
  expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000]);
  expect([0, 1, 2, 3, 4, 5, 10].map((n) => backoffMs(n, () => 0))).toEqual(Array(7).fill(500));
  expect(backoffMs(4, () => 0.5)).toBe(4250);
});
