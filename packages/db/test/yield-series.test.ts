// Yield per hour, shift and day and the cycle time histogram (GET /api/stats/series), on generated series
// whose answers are known: a real store with the real migrations, each run written as a runner writes it.
import { afterEach, describe, expect, test } from 'bun:test';
import type { YieldBucket } from '@station/model';
import type { Store } from '../src/index.ts';
import { bucketStart, histogram, niceWidth, percentileOf } from '../src/queries/yield-series.ts';
import { execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const HOUR_MS = 3600_000;
/** Seoul: UTC+9, no daylight saving. */
const SEOUL = 540;
/** Local midnight of 2026-11-30 in Seoul, as a UTC instant. */
const DAY1 = Date.parse('2026-11-30T00:00:00.000Z') - 9 * HOUR_MS;
/** The UTC ISO text of Seoul local time DAY1 + `hours`. */
const local = (hours: number) => new Date(DAY1 + hours * HOUR_MS).toISOString();

let n = 0;
/** One finished run of `serial` started at local hour `hours` (fractions allowed), lasting `seconds`. */
function run(
  store: Store,
  hours: number,
  serial: string | null,
  pass: boolean,
  seconds = 30,
  batchId = 'batch_1',
) {
  const id = `x${String(n++).padStart(5, '0')}`;
  const startMs = DAY1 + hours * HOUR_MS;
  store.createExecution({
    ...execution(id, 0, { batchId }),
    startedAt: new Date(startMs).toISOString(),
    dut: { serialNumber: serial },
  });
  store.finishExecution(id, {
    status: pass ? 'completed' : 'failed',
    overallPass: pass,
    completedAt: new Date(startMs + seconds * 1000).toISOString(),
  });
}

/** A bucket as the store reports it, from its local start and end hours and its counts. */
function bucket(
  startH: number,
  endH: number,
  units: number,
  firstPassed: number,
  passed: number,
  runs: number,
  shift?: number,
): YieldBucket {
  return {
    start: local(startH),
    end: local(endH),
    ...(shift === undefined ? {} : { shift }),
    unitsTested: units,
    passed,
    failed: units - passed,
    firstPassed,
    firstPassYield: units > 0 ? firstPassed / units : null,
    runs,
  };
}

describe('yieldSeries', () => {
  test('per hour: each unit in the hour of its first run, its retest counted as a run where it ran', () => {
    const store = scratch.store();
    // Hour 0: 4 units, 3 pass first time, SN-0-3 fails. Hour 1: 5 units all pass, and SN-0-3's retest
    // passes. Hour 2: 2 units fail. Hour 3: nothing.
    for (let i = 0; i < 4; i++) run(store, 0.1 + i * 0.1, `SN-0-${i}`, i < 3);
    for (let i = 0; i < 5; i++) run(store, 1.1 + i * 0.1, `SN-1-${i}`, true);
    run(store, 1.9, 'SN-0-3', true);
    run(store, 2.5, 'SN-2-0', false);
    run(store, 2.6, 'SN-2-1', false);
    const s = store.yieldSeries({ from: local(0), to: local(4), bucket: 'hour', utcOffset: SEOUL });
    expect(s.buckets).toEqual([
      bucket(0, 1, 4, 3, 4, 4),
      bucket(1, 2, 5, 5, 5, 6),
      bucket(2, 3, 2, 0, 0, 2),
      bucket(3, 4, 0, 0, 0, 0),
    ]);
    // The buckets add up to what GET /api/stats says of the range.
    const total = store.stationStats({ from: local(0), to: local(4) }).total;
    const sum = (k: 'unitsTested' | 'firstPassed' | 'passed' | 'runs') =>
      s.buckets.reduce((a, b) => a + b[k], 0);
    expect({
      units: sum('unitsTested'),
      firstPassed: sum('firstPassed'),
      passed: sum('passed'),
      runs: sum('runs'),
    }).toEqual({
      units: total.unitsTested,
      firstPassed: total.firstPassed,
      passed: total.passed,
      runs: total.runs,
    });
  });

  test('per shift and per day on the screen clock: one unit an hour for two days, the night units failing', () => {
    const store = scratch.store();
    // Local hours 0-5 of each day fail; every other hour passes.
    for (let h = 0; h < 48; h++) run(store, h + 0.5, `SN-${h}`, h % 24 >= 6);
    const range = { from: local(0), to: local(48), utcOffset: SEOUL };
    const shifts = store.yieldSeries({ ...range, bucket: 'shift' });
    expect(shifts.shifts).toEqual([6, 14, 22]);
    expect(shifts.buckets).toEqual([
      // The night shift that began at 22:00 the day before holds local hours 0-5 of day 1.
      bucket(-2, 6, 6, 0, 0, 6, 3),
      bucket(6, 14, 8, 8, 8, 8, 1),
      bucket(14, 22, 8, 8, 8, 8, 2),
      bucket(22, 30, 8, 2, 2, 8, 3),
      bucket(30, 38, 8, 8, 8, 8, 1),
      bucket(38, 46, 8, 8, 8, 8, 2),
      bucket(46, 54, 2, 2, 2, 2, 3),
    ]);
    const days = store.yieldSeries({ ...range, bucket: 'day' });
    expect(days.buckets).toEqual([bucket(0, 24, 24, 18, 18, 24), bucket(24, 48, 24, 18, 18, 24)]);
    // Two 12-hour shifts from 07:00: 07-19 passes all 12; 19-07 holds 5 passing evening hours and 6 failing.
    const two = store.yieldSeries({ ...range, bucket: 'shift', shifts: [7, 19] });
    expect(two.buckets.map((b) => [b.shift, b.unitsTested, b.firstPassed])).toEqual([
      [2, 7, 1],
      [1, 12, 12],
      [2, 12, 6],
      [1, 12, 12],
      [2, 5, 5],
    ]);
  });

  test('one slot only; an empty range gives empty buckets and no histogram', () => {
    const store = scratch.store();
    run(store, 0.5, 'SN-A', true, 30, 'batch_1');
    run(store, 0.6, 'SN-B', false, 30, 'batch_2');
    const s = store.yieldSeries({
      from: local(0),
      to: local(1),
      bucket: 'hour',
      utcOffset: SEOUL,
      batchId: 'batch_2',
    });
    expect(s.buckets).toEqual([bucket(0, 1, 1, 0, 0, 1)]);
    expect(s.batchId).toBe('batch_2');
    const empty = store.yieldSeries({ from: local(10), to: local(12), bucket: 'hour', utcOffset: SEOUL });
    expect(empty.buckets).toEqual([bucket(10, 11, 0, 0, 0, 0), bucket(11, 12, 0, 0, 0, 0)]);
    expect(empty.cycleTime).toEqual({ runs: 0, p50: null, p95: null, binWidth: null, bins: [] });
  });

  test('cycle times 1..100 s: ten bars of 10 s, the last holding 100 s; the percentiles as GET /api/stats gives them', () => {
    const store = scratch.store();
    for (let d = 1; d <= 100; d++) run(store, d / 200, `SN-${d}`, true, d);
    const s = store.yieldSeries({ from: local(0), to: local(1), bucket: 'hour', bins: 10 });
    expect(s.cycleTime).toEqual({
      runs: 100,
      p50: 50.5,
      p95: 95.05,
      binWidth: 10,
      bins: Array.from({ length: 10 }, (_, i) => ({
        from: i * 10,
        to: i * 10 + 10,
        runs: i === 0 ? 9 : i === 9 ? 11 : 10,
      })),
    });
    const stats = store.stationStats({ from: local(0), to: local(1) }).total.cycleTime;
    expect({ p50: s.cycleTime.p50, p95: s.cycleTime.p95 }).toEqual(stats);
  });

  test('bad arguments are refused with the field named', () => {
    const store = scratch.store();
    const q = { from: local(0), to: local(1), bucket: 'hour' as const };
    expect(() => store.yieldSeries({ ...q, shifts: [14, 6] })).toThrow('shifts: 1-24 whole local hours');
    expect(() => store.yieldSeries({ ...q, shifts: [] })).toThrow('shifts');
    expect(() => store.yieldSeries({ ...q, utcOffset: 900 })).toThrow('utcOffset');
    expect(() => store.yieldSeries({ ...q, from: local(2) })).toThrow('is after to');
  });
});

describe('the pieces', () => {
  test('bar widths people read', () => {
    expect([0.3, 1, 1.2, 2, 3, 9.9, 10, 11, 0.07].map(niceWidth)).toEqual([0.5, 1, 2, 2, 5, 10, 10, 20, 0.1]);
  });
  test('histogram of equal durations is one bar; percentiles interpolate', () => {
    expect(histogram([4, 4, 4], 20)).toEqual({ width: 1, bins: [{ from: 4, to: 5, runs: 3 }] });
    expect(percentileOf([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentileOf([], 0.5)).toBeNull();
  });
  test('bucket starts: hour, day, shift, and the night shift across midnight', () => {
    const h = 24 * 1000 + 3; // 03:00 local of some day
    expect(bucketStart(h, 'hour', [6, 14, 22])).toBe(h);
    expect(bucketStart(h, 'day', [6, 14, 22])).toBe(24 * 1000);
    expect(bucketStart(h, 'shift', [6, 14, 22])).toBe(24 * 999 + 22);
    expect(bucketStart(h + 4, 'shift', [6, 14, 22])).toBe(24 * 1000 + 6);
    expect(bucketStart(h, 'shift', [0])).toBe(24 * 1000);
  });
});
