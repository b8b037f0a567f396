import { afterEach, describe, expect, test } from 'bun:test';
import type { StepResult } from '@station/model';
import { at, execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const measureStep: StepResult = {
  name: 'measure_voltage',
  order: 1,
  status: 'completed',
  pass: true,
  startedAt: at(1_000),
  completedAt: at(3_500),
  duration: 2.5,
  attempts: 2,
  result: { samples: [5.01, 4.99], note: 'second try' },
  error: null,
  measurements: [
    { name: 'voltage', value: 5.01, unit: 'V', low: 4.9, high: 5.1, equals: null, pass: true },
    { name: 'ripple', value: 0.012, unit: 'V', low: null, high: 0.05, equals: null, pass: true },
    { name: 'serial', value: 'SN-42', unit: null, low: null, high: null, equals: 'SN-42', pass: true },
    { name: 'output_on', value: true, unit: null, low: null, high: null, equals: true, pass: true },
    { name: 'missing', value: null, unit: null, low: null, high: null, equals: null, pass: false },
  ],
};

function record(store: ReturnType<Scratch['store']>, step: StepResult) {
  const { measurements, ...fields } = step;
  return store.recordStep('exec_a', fields, measurements);
}

describe('recordStep', () => {
  test('stores the step with its measurements and returns what getResult reads back', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    expect(record(store, measureStep)).toEqual(measureStep);
    expect(store.getResult('exec_a')?.steps).toEqual([measureStep]);
  });

  test('keeps SQL columns readable: numbers in value, other values as JSON in value_text', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    record(store, measureStep);
    const rows = store.sqlite
      .query('SELECT name, value, value_text, unit, low, high, equals, pass FROM measurements ORDER BY id')
      .all();
    expect(rows).toEqual([
      {
        name: 'voltage',
        value: 5.01,
        value_text: null,
        unit: 'V',
        low: 4.9,
        high: 5.1,
        equals: null,
        pass: 1,
      },
      {
        name: 'ripple',
        value: 0.012,
        value_text: null,
        unit: 'V',
        low: null,
        high: 0.05,
        equals: null,
        pass: 1,
      },
      {
        name: 'serial',
        value: null,
        value_text: '"SN-42"',
        unit: null,
        low: null,
        high: null,
        equals: '"SN-42"',
        pass: 1,
      },
      {
        name: 'output_on',
        value: null,
        value_text: 'true',
        unit: null,
        low: null,
        high: null,
        equals: 'true',
        pass: 1,
      },
      {
        name: 'missing',
        value: null,
        value_text: null,
        unit: null,
        low: null,
        high: null,
        equals: null,
        pass: 0,
      },
    ]);
  });

  test('absent values are SQL NULL, not the text "null" (the CLI and hand-written SQL rely on it)', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    store.recordStep('exec_a', { name: 's', order: 0, status: 'running' });
    store.finishExecution('exec_a', { status: 'failed', overallPass: false, completedAt: at(1_000) });
    const row = store.sqlite
      .query(
        `SELECT typeof(s.result) AS result, typeof(s.error) AS error, typeof(s.started_at) AS started,
                s.pass AS pass, typeof(e.error) AS executionError, e.overall_pass AS overallPass
         FROM step_results s JOIN executions e ON e.id = s.execution_id`,
      )
      .get();
    expect(row).toEqual({
      result: 'null',
      error: 'null',
      started: 'null',
      pass: 0,
      executionError: 'null',
      overallPass: 0,
    });
  });

  test('recording the same step again replaces the row and its measurements', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    record(store, {
      ...measureStep,
      status: 'running',
      pass: false,
      completedAt: null,
      duration: null,
      measurements: [],
    });
    record(store, measureStep);
    expect(store.getResult('exec_a')?.steps).toEqual([measureStep]);
    const counts = store.sqlite
      .query('SELECT (SELECT count(*) FROM step_results) AS steps, (SELECT count(*) FROM measurements) AS m')
      .get();
    expect(counts).toEqual({ steps: 1, m: 5 });
  });

  test('steps come back in sequence order whatever order they were written in', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    store.recordStep('exec_a', { name: 'cleanup', order: 2, status: 'completed', pass: true });
    store.recordStep('exec_a', { name: 'init', order: 0, status: 'completed', pass: true });
    store.recordStep('exec_a', { name: 'measure', order: 1, status: 'failed', error: 'STEP_TIMEOUT' });
    expect(store.getResult('exec_a')?.steps.map((s) => [s.order, s.name, s.status, s.pass, s.error])).toEqual(
      [
        [0, 'init', 'completed', true, null],
        [1, 'measure', 'failed', false, 'STEP_TIMEOUT'],
        [2, 'cleanup', 'completed', true, null],
      ],
    );
  });

  test('non-finite numbers are kept as text rather than lost', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    const stored = store.recordStep('exec_a', { name: 's', order: 0, status: 'completed' }, [
      { name: 'overload', value: Number.POSITIVE_INFINITY, pass: false },
      { name: 'nan', value: Number.NaN, pass: false },
    ]);
    expect(stored.measurements.map((m) => m.value)).toEqual(['Infinity', 'NaN']);
    expect(store.getResult('exec_a')?.steps[0]?.measurements.map((m) => m.value)).toEqual([
      'Infinity',
      'NaN',
    ]);
  });

  test('a failing measurement insert rolls the step back too', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    // A measurement without a name violates NOT NULL after the step row was already written.
    const nameless = { name: null as unknown as string, value: 1, pass: true };
    expect(() =>
      store.recordStep('exec_a', { name: 's', order: 0, status: 'completed' }, [nameless]),
    ).toThrow(expect.objectContaining({ code: 'QUERY_FAILED' }));
    expect(store.getResult('exec_a')?.steps).toEqual([]);
  });

  test('a finished execution takes no more steps (it may already be at the Backend)', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    store.finishExecution('exec_a', { status: 'completed', overallPass: true, completedAt: at(5_000) });
    expect(() => store.recordStep('exec_a', { name: 'late', order: 0, status: 'completed' })).toThrow(
      expect.objectContaining({
        code: 'NOT_RUNNING',
        message: expect.stringContaining('already ended (completed)'),
      }),
    );
    expect(store.getResult('exec_a')?.steps).toEqual([]);
  });

  test.each([[-1], [1.5], [Number.NaN]])('refuses step order %p with INVALID_ARGUMENT', (order) => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    expect(() => store.recordStep('exec_a', { name: 's', order, status: 'completed' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  test('a value_text edited by hand into plain text reads back as that text', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    store.recordStep('exec_a', { name: 's', order: 0, status: 'completed' }, [
      { name: 'm', value: 'x', pass: true },
    ]);
    store.sqlite.run("UPDATE measurements SET value_text = 'plain'");
    expect(store.getResult('exec_a')?.steps[0]?.measurements[0]?.value).toBe('plain');
  });

  test('an unknown execution is refused with NOT_FOUND', () => {
    const store = scratch.store();
    expect(() => store.recordStep('exec_nope', { name: 's', order: 0, status: 'completed' })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining('exec_nope') }),
    );
  });
});

describe('recordStep with the next step', () => {
  test('marks the step that starts next running in the same commit, and only a pending one', () => {
    const store = scratch.store();
    store.createExecution({ ...execution('exec_a'), steps: ['setup', 'measure', 'cleanup'] });
    store.recordStep(
      'exec_a',
      { name: 'setup', order: 0, status: 'completed', pass: true, startedAt: at(0), completedAt: at(900) },
      [],
      { next: { order: 1, startedAt: at(1_000) } },
    );
    expect(store.getResult('exec_a')?.steps.map((s) => [s.name, s.status, s.startedAt])).toEqual([
      ['setup', 'completed', at(0)],
      ['measure', 'running', at(1_000)],
      ['cleanup', 'pending', null],
    ]);
    // A step that already ended is not taken back to running.
    store.recordStep('exec_a', { name: 'measure', order: 1, status: 'failed' }, [], { next: { order: 0 } });
    expect(store.getResult('exec_a')?.steps.map((s) => s.status)).toEqual(['completed', 'failed', 'pending']);
  });

  test('a refused result marks nothing', () => {
    const store = scratch.store();
    store.createExecution({ ...execution('exec_a'), steps: ['setup', 'measure'] });
    const nameless = { name: null as unknown as string, value: 1, pass: true };
    expect(() =>
      store.recordStep('exec_a', { name: 'setup', order: 0, status: 'completed' }, [nameless], {
        next: { order: 1 },
      }),
    ).toThrow(expect.objectContaining({ code: 'QUERY_FAILED' }));
    expect(store.getResult('exec_a')?.steps.map((s) => s.status)).toEqual(['pending', 'pending']);
    expect(() =>
      store.recordStep('exec_a', { name: 'setup', order: 0, status: 'completed' }, [], {
        next: { order: -2 },
      }),
    ).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('next') }),
    );
  });

  test('joins a transaction the caller holds (one commit for both)', () => {
    const store = scratch.store();
    store.createExecution({ ...execution('exec_a'), steps: ['a', 'b'] });
    expect(() =>
      store.sqlite.transaction(() => {
        store.recordStep('exec_a', { name: 'a', order: 0, status: 'completed' }, [], { next: { order: 1 } });
        throw new Error('the caller changes its mind');
      })(),
    ).toThrow('changes its mind');
    expect(store.getResult('exec_a')?.steps.map((s) => s.status)).toEqual(['pending', 'pending']);
  });
});

describe('markStepRunning', () => {
  test('turns the pending row of a starting step running, leaves the connection durable, and is a no-op once ended', () => {
    const store = scratch.store();
    store.createExecution({ ...execution('exec_a'), steps: ['setup', 'measure'] });
    expect(store.markStepRunning('exec_a', 1, at(2_000))).toBe(true);
    expect(store.getResult('exec_a')?.steps.map((s) => [s.name, s.status, s.startedAt])).toEqual([
      ['setup', 'pending', null],
      ['measure', 'running', at(2_000)],
    ]);
    // The mark skips the disk flush, but every other write keeps synchronous=FULL.
    expect(store.sqlite.query('PRAGMA synchronous').get()).toEqual({ synchronous: 2 });
    // Running already, or no row to mark: nothing changes.
    expect(store.markStepRunning('exec_a', 1, at(3_000))).toBe(false);
    expect(store.markStepRunning('exec_a', 7)).toBe(false);
    store.finishExecution('exec_a', { status: 'failed', overallPass: false, completedAt: at(4_000) });
    expect(store.markStepRunning('exec_a', 0)).toBe(false);
    expect(store.getResult('exec_a')?.steps[0]?.status).toBe('skipped');
  });
});
