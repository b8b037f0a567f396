import { afterEach, describe, expect, test } from 'bun:test';
import type { NewExecution, Store } from '../src/index.ts';
import { at, execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const min = 60_000;
const HOUR = 60 * min;

type End = 'pass' | 'fail' | 'aborted' | 'crashed' | 'running';

/**
 * A run of `serial` (null: no serial) at T0 + `minute` min on `batch`, ended as `end` after `seconds`.
 */
function run(
  store: Store,
  id: string,
  minute: number,
  serial: string | null,
  end: End,
  seconds: number,
  over: Partial<NewExecution> = {},
): void {
  store.createExecution({ ...execution(id, minute * min, over), dut: { serialNumber: serial } });
  const completedAt = at(minute * min + seconds * 1000);
  if (end === 'running') return;
  if (end === 'pass') store.finishExecution(id, { status: 'completed', overallPass: true, completedAt });
  if (end === 'fail') store.finishExecution(id, { status: 'failed', overallPass: false, completedAt });
  if (end === 'aborted')
    store.finishExecution(id, {
      status: 'stopped',
      overallPass: false,
      statusReason: 'ABORTED',
      completedAt,
    });
  if (end === 'crashed')
    store.finishExecution(id, {
      status: 'failed',
      overallPass: false,
      statusReason: 'BATCH_CRASHED',
      completedAt,
    });
}

/**
 * One hour of a two-slot station, [T0, T0 + 1 h):
 * A passes; B fails on batch_1 and passes its retest on batch_2; C fails twice; D failed yesterday and
 * passes today; E has no serial and passes; F is aborted; G crashes, then passes; A also passes burn_in.
 * Outside the range or without a verdict: a run before T0 (D's), one after the hour, one still running.
 */
function hour(): Store {
  const store = scratch.store();
  const b2 = { batchId: 'batch_2' };
  run(store, 'd0', -24 * 60, 'SN-D', 'fail', 15);
  run(store, 'a1', 1, 'SN-A', 'pass', 10);
  run(store, 'b1', 2, 'SN-B', 'fail', 20);
  run(store, 'b2', 3, 'SN-B', 'pass', 30, b2);
  run(store, 'c1', 4, 'SN-C', 'fail', 40, b2);
  run(store, 'c2', 5, 'SN-C', 'fail', 50, b2);
  run(store, 'd1', 6, 'SN-D', 'pass', 60);
  run(store, 'e1', 7, null, 'pass', 70, b2);
  run(store, 'f1', 8, 'SN-F', 'aborted', 5);
  run(store, 'g1', 9, 'SN-G', 'crashed', 3, b2);
  run(store, 'g2', 10, 'SN-G', 'pass', 80);
  run(store, 'a2', 11, 'SN-A', 'pass', 90, { sequenceName: 'burn_in' });
  run(store, 'r1', 12, 'SN-R', 'running', 0);
  run(store, 'late', 61, 'SN-L', 'pass', 10);
  return store;
}

const range = { from: at(0), to: at(HOUR) };

describe('stationStats', () => {
  test('units, passes, failures, first passes and cycle time, for the station, per sequence and per batch', () => {
    const stats = hour().stationStats(range);
    expect(stats).toEqual({
      from: at(0),
      to: at(HOUR),
      batchId: null,
      sequence: null,
      // Units: A, B, C, D, E, G of psu_functional and A of burn_in. B and D passed only on a retest, C
      // failed, F's abort and G's crash say nothing about their units.
      total: {
        unitsTested: 7,
        passed: 6,
        failed: 1,
        firstPassed: 4,
        firstPassYield: 4 / 7,
        runs: 9,
        cycleTime: { p50: 50, p95: 86 },
      },
      batches: [
        // A, B (failed here), D (passed, but failed yesterday), G, A on burn_in.
        {
          batchId: 'batch_1',
          unitsTested: 5,
          passed: 4,
          failed: 1,
          firstPassed: 3,
          firstPassYield: 3 / 5,
          runs: 5,
          cycleTime: { p50: 60, p95: 88 },
        },
        // B (a retest here), C, E.
        {
          batchId: 'batch_2',
          unitsTested: 3,
          passed: 2,
          failed: 1,
          firstPassed: 1,
          firstPassYield: 1 / 3,
          runs: 4,
          cycleTime: { p50: 45, p95: 67 },
        },
      ],
      sequences: [
        {
          sequenceName: 'burn_in',
          unitsTested: 1,
          passed: 1,
          failed: 0,
          firstPassed: 1,
          firstPassYield: 1,
          runs: 1,
          cycleTime: { p50: 90, p95: 90 },
        },
        {
          sequenceName: 'psu_functional',
          unitsTested: 6,
          passed: 5,
          failed: 1,
          firstPassed: 3,
          firstPassYield: 3 / 6,
          runs: 8,
          cycleTime: { p50: 45, p95: 76.5 },
        },
      ],
    });
  });

  test('filtered to one batch, a unit retested there is still not a first pass', () => {
    const stats = hour().stationStats({ ...range, batchId: 'batch_2' });
    expect(stats.batchId).toBe('batch_2');
    expect(stats.total).toEqual({
      unitsTested: 3,
      passed: 2,
      failed: 1,
      firstPassed: 1,
      firstPassYield: 1 / 3,
      runs: 4,
      cycleTime: { p50: 45, p95: 67 },
    });
    expect(stats.batches.map((b) => b.batchId)).toEqual(['batch_2']);
  });

  test('filtered to one sequence', () => {
    const stats = hour().stationStats({ ...range, sequence: 'burn_in' });
    expect(stats.total).toEqual(expect.objectContaining({ unitsTested: 1, firstPassed: 1, runs: 1 }));
    expect(stats.sequences.map((s) => s.sequenceName)).toEqual(['burn_in']);
    expect(stats.batches.map((b) => b.batchId)).toEqual(['batch_1']);
  });

  test('a range with no runs has zeros and no yield rather than a division by zero', () => {
    const stats = hour().stationStats({ from: at(10 * HOUR), to: at(11 * HOUR) });
    expect(stats.total).toEqual({
      unitsTested: 0,
      passed: 0,
      failed: 0,
      firstPassed: 0,
      firstPassYield: null,
      runs: 0,
      cycleTime: { p50: null, p95: null },
    });
    expect(stats.batches).toEqual([]);
    expect(stats.sequences).toEqual([]);
  });

  test('a range that ends before it starts, or a time that is not one, is refused with what was wrong', () => {
    const store = scratch.store();
    expect(() => store.stationStats({ from: at(HOUR), to: at(0) })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('is after to') }),
    );
    expect(() => store.stationStats({ from: 'yesterday', to: at(0) })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: 'from is not a valid time: yesterday' }),
    );
  });
});
