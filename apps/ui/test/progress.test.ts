// Rules behind the defects issue 17 found by use, without a browser: progress by time, which step a
// crash cut short, the station's recent log merged with the socket's, and when a silent link is dead.
import { describe, expect, test } from 'bun:test';
import type { LogLine } from '@station/model';
import { cutShort } from '../src/format.ts';
import { HEARTBEAT, linkSilent } from '../src/live.ts';
import { timeProgress, weightsOf } from '../src/progress.ts';
import { emptyState, reduce, seedLog } from '../src/state.ts';

describe('progress by time', () => {
  // The run: six steps, one of them (set_output) takes 5 s, the others a tenth of a second.
  const past = [0.1, 5, 0.1, 0.1, 0.1, 0.1];

  test('one long step of six is most of the run, not a sixth of it', () => {
    const at = (stepIndex: number, stepElapsed: number) =>
      Math.round(timeProgress({ stepIndex, totalSteps: 6, stepElapsed }, past) * 1000) / 10;
    // Into set_output: 0.1 s of 5.5 s done; half of it: 2.6 s; its end: near 92 %.
    expect(at(1, 0)).toBe(1.8);
    expect(at(1, 2.5)).toBe(47.3);
    expect(at(2, 0)).toBe(92.7);
    // Counting steps would have said 17 % at set_output's start and 33 % at its end.
  });

  test('the running step moves the bar with its time, never past its own share', () => {
    const p = (s: number) => timeProgress({ stepIndex: 1, totalSteps: 6, stepElapsed: s }, past);
    const samples = [0, 0.1, 0.2, 1, 2, 4, 4.9];
    for (let i = 1; i < samples.length; i++) expect(p(samples[i]!)).toBeGreaterThan(p(samples[i - 1]!));
    // A step that overruns its past duration stays just short of the next step's start.
    expect(p(60)).toBeLessThan(timeProgress({ stepIndex: 2, totalSteps: 6, stepElapsed: 0 }, past));
  });

  test('without past durations the steps weigh the same and the running one creeps towards its share', () => {
    const p = (s: number) => timeProgress({ stepIndex: 2, totalSteps: 4, stepElapsed: s }, []);
    expect(p(0)).toBe(0.5);
    expect(p(1)).toBeGreaterThan(0.5);
    expect(p(1000)).toBeLessThan(0.75);
    expect(timeProgress({ stepIndex: 0, totalSteps: 0, stepElapsed: 3 }, [])).toBe(0);
  });

  test('weights come from a stored run that lists every step by position, else none', () => {
    const step = (order: number, duration: number | null) => ({ order, duration });
    expect(weightsOf({ steps: [step(1, 5), step(0, 0.1)] }, 2)).toEqual([0.1, 5]);
    expect(weightsOf({ steps: [step(0, 0.1)] }, 2)).toEqual([]);
    expect(weightsOf({ steps: [step(0, 0.1), step(1, null)] }, 2)).toEqual([]);
  });
});

describe('which step a run that ended early cut short', () => {
  const crash = 'runner of slot_3 crashed (signal SIGKILL)';
  const crashed = { status: 'failed', statusReason: 'BATCH_CRASHED', error: crash };

  test('a crash: the step in flight (the run error on it) is interrupted; a step that failed earlier failed', () => {
    expect(cutShort(crashed, { status: 'failed', error: crash })).toBe(true);
    expect(cutShort(crashed, { status: 'failed', error: 'dut_voltage out of limits' })).toBe(false);
    expect(cutShort(crashed, { status: 'skipped', error: null })).toBe(false);
    expect(cutShort(crashed, { status: 'completed', error: null })).toBe(false);
  });

  test('an abort: every failed step; an ordinary failure: none; a step left running by any end: it', () => {
    expect(cutShort({ status: 'stopped', statusReason: 'ABORTED' }, { status: 'failed' })).toBe(true);
    expect(cutShort({ status: 'failed', statusReason: null, error: null }, { status: 'failed' })).toBe(false);
    expect(cutShort({ status: 'ended' }, { status: 'running' })).toBe(true);
    expect(cutShort({ status: 'running' }, { status: 'running' })).toBe(false);
    expect(cutShort(undefined, { status: 'running' })).toBe(false);
  });
});

describe("the station's recent log and the socket's", () => {
  const line = (message: string, timestamp: string, level: LogLine['level'] = 'info'): LogLine => ({
    level,
    message,
    timestamp,
  });

  test('station lines first, then the socket lines it does not hold; an error told by both is one line', () => {
    let s = reduce(emptyState, {
      type: 'log',
      batch_id: 'b1',
      data: line('output on at 5 V', '2026-12-02T06:00:01.000Z'),
    });
    s = reduce(s, { type: 'log', batch_id: 'b1', data: line('measuring', '2026-12-02T06:00:02.000Z') });
    s = reduce(s, { type: 'error', batch_id: 'b1', data: { code: 'STEP_TIMEOUT', message: 'set_output' } });
    const fromStation = [
      line('initialising', '2026-12-02T06:00:00.000Z'),
      line('output on at 5 V', '2026-12-02T06:00:01.000Z'),
      // The gateway's stamp of the error, a moment off this page's.
      line('STEP_TIMEOUT: set_output', new Date(Date.now() - 800).toISOString(), 'error'),
    ];
    const merged = seedLog(s, 'b1', fromStation).live.b1?.logs.map((l) => l.message);
    expect(merged).toEqual(['initialising', 'output on at 5 V', 'STEP_TIMEOUT: set_output', 'measuring']);
  });

  test('a runner line repeated with another stamp is two lines', () => {
    const s = reduce(emptyState, {
      type: 'log',
      batch_id: 'b1',
      data: line('tick', '2026-12-02T06:00:03.000Z'),
    });
    const merged = seedLog(s, 'b1', [line('tick', '2026-12-02T06:00:02.000Z')]).live.b1?.logs;
    expect(merged?.map((l) => l.timestamp)).toEqual(['2026-12-02T06:00:02.000Z', '2026-12-02T06:00:03.000Z']);
  });
});

test('a link is dead after 3.5 s of silence: three pings unanswered, well inside the 5 s the issue asks', () => {
  expect(HEARTBEAT.pingEveryMs * 3).toBeLessThan(HEARTBEAT.lostAfterMs);
  expect(HEARTBEAT.lostAfterMs + HEARTBEAT.pingEveryMs / 2).toBeLessThanOrEqual(5000);
  expect(linkSilent(1000, 4499)).toBe(false);
  expect(linkSilent(1000, 4500)).toBe(true);
});
