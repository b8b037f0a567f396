import { afterEach, describe, expect, test } from 'bun:test';
import { stepComplete } from '@station/model';
import { runSequence } from '../src/engine.ts';
import { isSequenceError } from '../src/errors.ts';
import type { SequenceOutcome, SequenceSink, StepResult } from '../src/results.ts';
import { at, type FakeStep, fakeDriver, fakePackage, steppingClock } from './helpers.ts';

type Event = [string, unknown];

function recorder(extra: Partial<SequenceSink> = {}) {
  const events: Event[] = [];
  const sink: SequenceSink = {
    onSequenceStart: (d) => void events.push(['sequence_start', d]),
    onStepStart: async (d) => {
      events.push(['step_start', d]);
      await extra.onStepStart?.(d);
    },
    onLog: (d) => void events.push(['log', d]),
    onError: (d) => void events.push(['error', d]),
    onStepEnd: async (d) => {
      events.push(['step_end', d]);
      await extra.onStepEnd?.(d);
    },
    onSequenceEnd: (d) => void events.push(['sequence_end', d]),
  };
  return {
    events,
    sink,
    types: () =>
      events.map(
        ([t, d]) =>
          `${t}:${(d as { step?: string; name?: string }).step ?? (d as { name?: string }).name ?? ''}`,
      ),
  };
}

// Steps that wait on something the test releases; released after each test so nothing outlives it.
const hangs: PromiseWithResolvers<void>[] = [];
function hang(): Promise<void> {
  const h = Promise.withResolvers<void>();
  hangs.push(h);
  return h.promise;
}
afterEach(() => {
  for (const h of hangs.splice(0)) h.resolve();
});

function run(steps: FakeStep[], opts: Partial<Parameters<typeof runSequence>[0]> = {}) {
  const dev = fakeDriver();
  const rec = recorder();
  const outcome = runSequence({
    pkg: fakePackage(steps),
    params: { x: 1 },
    drivers: { dev },
    executionId: 'exec_1',
    batchId: 'batch_1',
    sink: rec.sink,
    graceMs: 100,
    ...opts,
  });
  return { dev, rec, outcome };
}

const skipped = (name: string, order: number): StepResult => ({
  name,
  order,
  status: 'skipped',
  pass: false,
  startedAt: null,
  completedAt: null,
  duration: null,
  attempts: 0,
  result: null,
  error: null,
  measurements: [],
});

describe('runSequence', () => {
  test('a passing run: exact step results with a fake clock', async () => {
    const { outcome, dev } = run(
      [
        { name: 'setup', fn: () => ({ ok: true }) },
        {
          name: 'measure',
          measurements: [{ name: 'v', low: 4.9, high: 5.1, unit: 'V' }],
          fn: (ctx) => {
            ctx.measure('v', 5);
            ctx.measure('temp', 25);
          },
        },
      ],
      { clock: steppingClock() },
    );
    const expected: SequenceOutcome = {
      executionId: 'exec_1',
      batchId: 'batch_1',
      sequenceName: 'fake',
      sequenceVersion: '1.2.3',
      packageHash: 'f'.repeat(64),
      status: 'completed',
      overallPass: true,
      parameters: { x: 1 },
      dut: { serialNumber: null, partNumber: null, revision: null, lot: null, serialSourceStep: null },
      startedAt: at(100),
      completedAt: at(600),
      duration: 0.5,
      steps: [
        {
          name: 'setup',
          order: 0,
          status: 'completed',
          pass: true,
          startedAt: at(200),
          completedAt: at(300),
          duration: 0.1,
          attempts: 1,
          result: { ok: true },
          error: null,
          measurements: [],
        },
        {
          name: 'measure',
          order: 1,
          status: 'completed',
          pass: true,
          startedAt: at(400),
          completedAt: at(500),
          duration: 0.1,
          attempts: 1,
          result: null,
          error: null,
          measurements: [
            { name: 'v', value: 5, unit: 'V', low: 4.9, high: 5.1, equals: null, pass: true },
            { name: 'temp', value: 25, unit: null, low: null, high: null, equals: null, pass: true },
          ],
        },
      ],
    };
    expect(await outcome).toEqual(expected);
    expect(dev.safeStates).toBe(0);
  });

  test('events arrive in order with the SPEC shapes', async () => {
    const { outcome, rec } = run(
      [
        { name: 'a', fn: (ctx) => ctx.log.info('hello') },
        {
          name: 'b',
          measurements: [{ name: 'v', low: 4.9, high: 5.1, unit: 'V' }],
          fn: (ctx) => ctx.measure('v', 6),
        },
        { name: 'c', fn: () => undefined },
        { name: 'd', cleanup: true, fn: (ctx) => ctx.log.warn('cleaning') },
      ],
      { clock: steppingClock() },
    );
    const o = await outcome;
    expect(rec.types()).toEqual([
      'sequence_start:',
      'step_start:a',
      'log:',
      'step_end:a',
      'step_start:b',
      'error:b',
      'step_end:b',
      'step_end:c',
      'step_start:d',
      'log:',
      'step_end:d',
      'sequence_end:',
    ]);
    const data = rec.events.map(([, d]) => d);
    expect(data[0]).toEqual({
      executionId: 'exec_1',
      batchId: 'batch_1',
      sequenceName: 'fake',
      sequenceVersion: '1.2.3',
      packageHash: 'f'.repeat(64),
      parameters: { x: 1 },
      startedAt: at(100),
      dut: { serialNumber: null, partNumber: null, revision: null, lot: null, serialSourceStep: null },
      steps: [
        { name: 'a', order: 0, cleanup: false },
        { name: 'b', order: 1, cleanup: false },
        { name: 'c', order: 2, cleanup: false },
        { name: 'd', order: 3, cleanup: true },
      ],
    });
    expect(data[1]).toEqual({ step: 'a', index: 0, total: 4 });
    expect(data[2]).toEqual({ level: 'info', message: 'hello', timestamp: at(300) });
    expect(data[5]).toEqual({ code: 'STEP_FAILED', message: 'v = 6 V is outside [4.9, 5.1] V', step: 'b' });
    expect(data[7]).toEqual(skipped('c', 2));
    expect(data[8]).toEqual({ step: 'd', index: 3, total: 4 });
    // What the runner publishes as `step_complete`: the SPEC fields, the measurements once.
    expect(stepComplete(o.steps[1]!)).toEqual({
      step: 'b',
      duration: 0.1,
      pass: false,
      result: null,
      status: 'failed',
      error: 'STEP_FAILED: v = 6 V is outside [4.9, 5.1] V',
      measurements: [{ name: 'v', value: 6, unit: 'V', low: 4.9, high: 5.1, equals: null, pass: false }],
    });
    expect(data[6]).toEqual(o.steps[1]);
    expect(data[11]).toEqual(o);
    expect(o.status).toBe('failed');
    expect(o.error).toEqual({ code: 'STEP_FAILED', message: 'v = 6 V is outside [4.9, 5.1] V', step: 'b' });
  });

  test('limit failure fails the step; later steps skipped; cleanup runs; safeState called', async () => {
    const { outcome, dev } = run([
      { name: 'm', measurements: [{ name: 'v', equals: 'ok' }], fn: (ctx) => ctx.measure('v', 'bad') },
      { name: 'later', fn: () => undefined },
      { name: 'off', cleanup: true, fn: async (ctx) => void (await ctx.hardware.dev?.run('ping')) },
    ]);
    const o = await outcome;
    expect(o.steps.map((s) => [s.name, s.status, s.error])).toEqual([
      ['m', 'failed', 'STEP_FAILED: v = "bad", expected "ok"'],
      ['later', 'skipped', null],
      ['off', 'completed', null],
    ]);
    expect([o.status, o.overallPass, dev.safeStates]).toEqual(['failed', false, 1]);
  });

  test('a declared measurement that was never recorded fails the step', async () => {
    const o = await run([{ name: 'm', measurements: [{ name: 'v', low: 0 }], fn: () => undefined }]).outcome;
    expect(o.steps[0]?.error).toBe('STEP_FAILED: measurement v was declared but not recorded');
  });

  test('a step past its timeout fails with STEP_TIMEOUT through its own signal', async () => {
    let sawAbort = false;
    const { outcome } = run([
      {
        name: 'slow',
        timeoutMs: 50,
        fn: async (ctx) => {
          ctx.signal.addEventListener('abort', () => {
            sawAbort = true;
          });
          await ctx.sleep(60_000);
        },
      },
      { name: 'next', fn: () => undefined },
    ]);
    const o = await outcome;
    expect(o.steps[0]?.error).toBe('STEP_TIMEOUT: step slow timed out after 50 ms');
    expect(o.steps[1]?.status).toBe('skipped');
    expect(sawAbort).toBe(true);
    expect(o.duration).toBeLessThan(30);
  });

  test('a step that ignores its timeout is abandoned after the grace period, its late results dropped', async () => {
    const lateDone = Promise.withResolvers<void>();
    const { outcome, rec } = run([
      {
        name: 'stuck',
        timeoutMs: 30,
        measurements: [{ name: 'late', low: 0 }],
        fn: async (ctx) => {
          await hang();
          ctx.measure('late', 1);
          ctx.log.info('too late');
          lateDone.resolve();
        },
      },
    ]);
    const o = await outcome;
    expect(o.steps[0]?.error).toBe('STEP_TIMEOUT: step stuck timed out after 30 ms');
    // Still running when abandoned: the run says so, so the runner knows its process is not clean.
    expect(o.abandoned).toEqual(['stuck']);
    for (const h of hangs) h.resolve();
    await lateDone.promise;
    expect(o.steps[0]?.measurements).toEqual([]);
    expect(rec.types().filter((t) => t === 'log:')).toEqual([]);
  });

  test('a retry that succeeds on the second attempt', async () => {
    const { outcome, rec } = run([
      {
        name: 'flaky',
        retries: 2,
        retryDelayMs: 5,
        fn: (ctx) => {
          if (ctx.attempt === 1) throw new Error('first try fails');
          return { attempt: ctx.attempt };
        },
      },
    ]);
    const o = await outcome;
    expect(o.status).toBe('completed');
    expect([o.steps[0]?.result, o.steps[0]?.measurements, o.steps[0]?.attempts]).toEqual([
      { attempt: 2 },
      [],
      2,
    ]);
    expect(
      rec.events.filter(([t]) => t === 'log').map(([, d]) => (d as { message: string }).message),
    ).toEqual(['step flaky failed (first try fails); retry 1 of 2']);
  });

  test('retries exhausted: the last attempt decides', async () => {
    let calls = 0;
    const o = await run([
      {
        name: 'bad',
        retries: 2,
        fn: () => {
          calls++;
          throw `attempt ${calls} failed`;
        },
      },
    ]).outcome;
    expect(o.steps[0]?.attempts).toBe(3);
    expect(o.steps[0]?.error).toBe('STEP_FAILED: attempt 3 failed');
  });

  test('a driver failure maps to HARDWARE_ERROR', async () => {
    const { outcome, rec } = run([
      { name: 'init', fn: async (ctx) => void (await ctx.hardware.dev?.run('fail')) },
    ]);
    const o = await outcome;
    const error = { code: 'HARDWARE_ERROR' as const, message: 'dev.fail: instrument did not answer' };
    expect(o.steps[0]?.error).toBe(`${error.code}: ${error.message}`);
    expect(rec.events.find(([t]) => t === 'error')?.[1]).toEqual({ ...error, step: 'init' });
  });

  test('onStepEnd names the step that starts right after it, and none when a skip, an abort or the end comes first', async () => {
    const ends: string[] = [];
    const sink: SequenceSink = {
      onStepEnd: (r, next) =>
        void ends.push(`${r.name}>${next ? `${next.step}@${next.index}/${next.total}` : '-'}`),
    };
    const steps = (failAt: string): FakeStep[] => [
      { name: 'a', fn: () => undefined },
      {
        name: 'b',
        fn: () => {
          if (failAt === 'b') throw new Error('b broke');
        },
      },
      { name: 'c', fn: () => undefined },
      { name: 'off', cleanup: true, fn: () => undefined },
    ];
    const base = { params: {}, drivers: {}, executionId: 'e', batchId: 'b', sink };
    await runSequence({ ...base, pkg: fakePackage(steps('none')) });
    expect(ends.splice(0)).toEqual(['a>b@1/4', 'b>c@2/4', 'c>off@3/4', 'off>-']);
    // b fails: c is skipped, so b names no next step; the skipped c names the cleanup step after it.
    await runSequence({ ...base, pkg: fakePackage(steps('b')) });
    expect(ends.splice(0)).toEqual(['a>b@1/4', 'b>-', 'c>off@3/4', 'off>-']);
    // Aborted while a runs: b and c are skipped, the cleanup step still runs.
    const ctrl = new AbortController();
    const aborting: FakeStep[] = [{ name: 'a', fn: () => ctrl.abort() }, ...steps('none').slice(1)];
    await runSequence({ ...base, pkg: fakePackage(aborting), signal: ctrl.signal });
    expect(ends.splice(0)).toEqual(['a>-', 'b>-', 'c>off@3/4', 'off>-']);
  });

  test('abort mid-step: the step signal fires, the run stops within grace, cleanup runs', async () => {
    const ctrl = new AbortController();
    const started = Promise.withResolvers<void>();
    const { outcome, dev } = run(
      [
        { name: 'one', fn: () => undefined },
        {
          name: 'long',
          fn: async (ctx) => {
            started.resolve();
            await ctx.sleep(60_000);
          },
        },
        { name: 'three', fn: () => undefined },
        { name: 'off', cleanup: true, fn: () => 'cleaned' },
      ],
      { signal: ctrl.signal, graceMs: 5000 },
    );
    await started.promise;
    const t0 = performance.now();
    ctrl.abort();
    const o = await outcome;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(o.steps.map((s) => [s.name, s.status, s.error?.split(':')[0] ?? null])).toEqual([
      ['one', 'completed', null],
      ['long', 'failed', 'ABORTED'],
      ['three', 'skipped', null],
      ['off', 'completed', null],
    ]);
    // It returned within its grace: nothing was abandoned.
    expect(o.abandoned).toBeUndefined();
    expect([o.status, o.overallPass, o.error?.code, dev.safeStates]).toEqual([
      'stopped',
      false,
      'ABORTED',
      1,
    ]);
  });

  test('abort of a step that ignores its signal waits only graceMs', async () => {
    const ctrl = new AbortController();
    const started = Promise.withResolvers<void>();
    const { outcome } = run(
      [
        {
          name: 'deaf',
          fn: async () => {
            started.resolve();
            await hang();
          },
        },
        { name: 'off', cleanup: true, fn: () => undefined },
      ],
      { signal: ctrl.signal, graceMs: 50 },
    );
    await started.promise;
    ctrl.abort();
    const o = await outcome;
    expect(o.steps.map((s) => s.status)).toEqual(['failed', 'completed']);
    expect(o.status).toBe('stopped');
    expect(o.abandoned).toEqual(['deaf']);
  });

  test('abort before the first step: everything but cleanup is skipped', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    const o = await run(
      [
        { name: 'a', fn: () => undefined },
        { name: 'off', cleanup: true, fn: (ctx) => String(ctx.signal.aborted) },
      ],
      { signal: ctrl.signal },
    ).outcome;
    expect(o.steps).toEqual([
      skipped('a', 0),
      expect.objectContaining({
        name: 'off',
        status: 'completed',
        result: 'false',
        measurements: [],
        attempts: 1,
      }),
    ]);
    expect(o.status).toBe('stopped');
  });

  test('resume: starts at fromIndex, carries the earlier results in, and they count toward the verdict', async () => {
    const ran: string[] = [];
    const step = (name: string) => ({ name, fn: () => void ran.push(name) });
    const done = (name: string, order: number, pass: boolean): StepResult => ({
      ...skipped(name, order),
      status: pass ? 'completed' : 'failed',
      pass,
      startedAt: '2026-12-02T08:00:00.000Z',
      completedAt: '2026-12-02T08:00:01.000Z',
      duration: 1,
      attempts: 1,
      error: pass ? null : 'STEP_FAILED: too hot',
    });
    const steps = [step('a'), step('b'), step('c'), { ...step('off'), cleanup: true }];
    const resume = (prior: StepResult[]) => ({
      fromIndex: 2,
      steps: prior,
      startedAt: '2026-12-02T08:00:00.000Z',
    });
    const { rec, outcome } = run(steps, { resume: resume([done('a', 0, true), done('b', 1, true)]) });
    const o = await outcome;
    expect(ran).toEqual(['c', 'off']);
    expect(o.steps.map((s) => [s.name, s.status])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
      ['c', 'completed'],
      ['off', 'completed'],
    ]);
    expect([o.status, o.overallPass, o.startedAt]).toEqual(['completed', true, '2026-12-02T08:00:00.000Z']);
    // Only the steps run now are reported: the carried ones are on record already.
    expect(rec.types().filter((t) => t.startsWith('step_end'))).toEqual(['step_end:c', 'step_end:off']);

    // A failure among the carried steps decides as it did: the rest is skipped, cleanup runs, FAIL.
    ran.length = 0;
    const failed = await run(steps, { resume: resume([done('a', 0, true), done('b', 1, false)]) }).outcome;
    expect(ran).toEqual(['off']);
    expect(failed.steps.map((s) => s.status)).toEqual(['completed', 'failed', 'skipped', 'completed']);
    expect([failed.status, failed.overallPass, failed.error?.step]).toEqual(['failed', false, 'b']);
  });

  test('resume: results that do not match fromIndex are refused before anything runs', async () => {
    const ran: string[] = [];
    const err = await run([{ name: 'a', fn: () => void ran.push('a') }], {
      resume: { fromIndex: 1, steps: [], startedAt: '2026-12-02T08:00:00.000Z' },
    }).outcome.catch((e: unknown) => e);
    expect(isSequenceError(err) && [err.code, err.message]).toEqual([
      'BAD_REQUEST',
      'resume: fromIndex 1 needs the results of the 1 steps before it (got 0) of 1',
    ]);
    expect(ran).toEqual([]);
  });

  test('continueOnFailure runs the remaining steps and still fails the sequence', async () => {
    const o = await run(
      [
        { name: 'a', fn: () => Promise.reject(new Error('no')) },
        { name: 'b', fn: () => undefined },
      ],
      { continueOnFailure: true },
    ).outcome;
    expect(o.steps.map((s) => s.status)).toEqual(['failed', 'completed']);
    expect([o.status, o.overallPass]).toEqual(['failed', false]);
  });

  test('a sink that throws ends the run with SINK_FAILED after safeState', async () => {
    const dev = fakeDriver();
    const err = await runSequence({
      pkg: fakePackage([{ name: 'a', fn: () => undefined }]),
      params: {},
      drivers: { dev },
      executionId: 'e',
      batchId: 'b',
      sink: {
        onStepEnd: () => {
          throw new Error('disk full');
        },
      },
    }).catch((e: unknown) => e);
    expect(isSequenceError(err, 'SINK_FAILED')).toBe(true);
    expect((err as Error).message).toBe('could not report sequence progress: disk full');
    expect(dev.safeStates).toBe(1);
  });
});
