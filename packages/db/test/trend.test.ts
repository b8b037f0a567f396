// A measurement's trend read from a real store: which runs count, the newest-last order, the bound on the
// number of readings, the limits of the newest reading, and why an unknown name has no trend.
import { afterEach, describe, expect, test } from 'bun:test';
import type { NewExecution, Store } from '../src/index.ts';
import { MAX_TREND_POINTS } from '../src/index.ts';
import { at, execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const MIN = 60_000;

/** A run at T0 + `minute` min reading `vout` = `value` (limits 4.75..5.25), ended as `status`. */
function run(
  store: Store,
  id: string,
  minute: number,
  value: number | string,
  status: 'completed' | 'failed' | 'stopped' | 'running' = 'completed',
  over: Partial<NewExecution> = {},
  limits: { low: number | null; high: number | null } = { low: 4.75, high: 5.25 },
): void {
  store.createExecution({ ...execution(id, minute * MIN, over), dut: { serialNumber: `SN-${id}` } });
  store.recordStep(id, { name: 'measure', order: 0, status: 'completed', pass: true }, [
    { name: 'vout', value, unit: 'V', ...limits, pass: true },
    { name: 'iout', value: 1, unit: 'A', pass: true },
  ]);
  if (status === 'running') return;
  store.finishExecution(id, {
    status,
    overallPass: status === 'completed',
    completedAt: at(minute * MIN + 1000),
    ...(status === 'stopped' ? { statusReason: 'ABORTED' as const } : {}),
  });
}

describe('measurementTrend', () => {
  test('finished runs only, oldest first, numbers only, with the figures and the limits of the newest reading', () => {
    const store = scratch.store();
    run(store, 'e1', 1, 5.0);
    run(store, 'e2', 2, 5.1, 'failed');
    run(store, 'e3', 3, 5.2, 'stopped');
    run(store, 'e4', 4, 'OK');
    run(store, 'e5', 5, 4.9, 'completed', {}, { low: 4.8, high: null });
    run(store, 'e6', 6, 5.3, 'running');
    const trend = store.measurementTrend({ sequence: 'psu_functional', measurement: 'vout' });
    if (typeof trend === 'string') throw new Error(trend);
    expect(trend.points.map((p) => [p.executionId, p.serialNumber, p.value, p.at])).toEqual([
      ['e1', 'SN-e1', 5.0, at(1 * MIN)],
      ['e2', 'SN-e2', 5.1, at(2 * MIN)],
      ['e5', 'SN-e5', 4.9, at(5 * MIN)],
    ]);
    expect(trend.mean).toBeCloseTo(5.0, 12);
    expect(trend.sigma).toBeCloseTo(0.1, 12);
    expect(trend.ucl).toBeCloseTo(5.3, 12);
    expect(trend.lcl).toBeCloseTo(4.7, 12);
    expect([trend.low, trend.high, trend.unit]).toEqual([4.8, null, 'V']);
    expect(trend.cpk).toBeCloseTo((5.0 - 4.8) / 0.3, 12);
    expect(trend.violations).toEqual([]);
  });

  test('the newest `last` readings, bounded; a batch filter; a drift in the store is flagged at its point', () => {
    const store = scratch.store();
    const calm = [5.02, 4.98, 5.01, 4.99, 5.03, 4.97];
    for (let i = 0; i < 30; i++) run(store, `c${String(i).padStart(2, '0')}`, i, calm[i % 6] as number);
    for (let i = 0; i < 8; i++)
      run(store, `d${i}`, 30 + i, 5.04 + i * 0.01, 'completed', { batchId: 'batch_2' });
    const all = store.measurementTrend({ sequence: 'psu_functional', measurement: 'vout' });
    if (typeof all === 'string') throw new Error(all);
    expect(all.points).toHaveLength(38);
    expect(all.points.at(-1)?.executionId).toBe('d7');
    expect(all.points.at(-1)?.violations).toEqual(expect.arrayContaining([2, 3]));
    expect(all.violations).toEqual(expect.arrayContaining([2, 3]));
    const last10 = store.measurementTrend({ sequence: 'psu_functional', measurement: 'vout', last: 10 });
    if (typeof last10 === 'string') throw new Error(last10);
    expect(last10.points.map((p) => p.executionId)).toEqual([
      'c28',
      'c29',
      'd0',
      'd1',
      'd2',
      'd3',
      'd4',
      'd5',
      'd6',
      'd7',
    ]);
    const batch2 = store.measurementTrend({
      sequence: 'psu_functional',
      measurement: 'vout',
      batchId: 'batch_2',
    });
    if (typeof batch2 === 'string') throw new Error(batch2);
    expect(batch2.points).toHaveLength(8);
    const huge = store.measurementTrend({ sequence: 'psu_functional', measurement: 'vout', last: 1e9 });
    if (typeof huge === 'string') throw new Error(huge);
    expect(huge.points.length).toBeLessThanOrEqual(MAX_TREND_POINTS);
  });

  test('an unknown sequence and an unknown measurement are told apart', () => {
    const store = scratch.store();
    run(store, 'e1', 1, 5.0);
    expect(store.measurementTrend({ sequence: 'nope', measurement: 'vout' })).toBe('unknown-sequence');
    expect(store.measurementTrend({ sequence: 'psu_functional', measurement: 'nope' })).toBe(
      'unknown-measurement',
    );
  });
});
