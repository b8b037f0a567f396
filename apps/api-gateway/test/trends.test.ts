// GET /api/trends/{sequence}/{measurement} against a real store: the series and its figures, the bound
// and filter, and every bad request with its status, code and the field it names.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { MAX_TREND_POINTS } from '@station/db';
import type { MeasurementTrend } from '@station/model';
import { type Harness, harness, json } from './support.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h[Symbol.asyncDispose]();
});

const T0 = Date.parse('2026-01-01T08:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** A finished run on `batchId` at T0 + `minute` min reading vout = `value` (limits 4.75..5.25). */
function run(id: string, minute: number, value: number, batchId = 'batch_1') {
  h.store.createExecution({
    id,
    batchId,
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    packageHash: 'h1',
    startedAt: at(minute),
    dut: { serialNumber: `SN-${id}` },
  });
  h.store.recordStep(id, { name: 'measure', order: 0, status: 'completed', pass: true }, [
    { name: 'vout', value, unit: 'V', low: 4.75, high: 5.25, pass: true },
  ]);
  h.store.finishExecution(id, { status: 'completed', overallPass: true, completedAt: at(minute + 1) });
}

/** 20 calm readings, then 8 rising ones on batch_2. */
function drifting() {
  const calm = [5.02, 4.98, 5.01, 4.99, 5.03, 4.97];
  for (let i = 0; i < 20; i++) run(`c${String(i).padStart(2, '0')}`, i, calm[i % 6] as number);
  for (let i = 0; i < 8; i++) run(`d${i}`, 20 + i, 5.04 + i * 0.01, 'batch_2');
}

const get = (path: string) => json(h.req('GET', path));

describe('GET /api/trends/{sequence}/{measurement}', () => {
  test('the readings oldest first with mean, sigma, control and spec limits, Cpk and the rules broken', async () => {
    drifting();
    const { status, body } = await get('/api/trends/psu_functional/vout');
    expect(status).toBe(200);
    const trend = body as MeasurementTrend;
    expect(trend.points).toHaveLength(28);
    expect(trend.points[0]).toEqual({
      executionId: 'c00',
      serialNumber: 'SN-c00',
      value: 5.02,
      at: at(0),
      violations: [],
    });
    const newest = trend.points.at(-1);
    expect(newest?.executionId).toBe('d7');
    expect(newest?.violations).toEqual(expect.arrayContaining([2, 3]));
    expect(trend.violations).toEqual(expect.arrayContaining([2, 3]));
    expect([trend.low, trend.high, trend.unit]).toEqual([4.75, 5.25, 'V']);
    const mean = trend.mean as number;
    const sigma = trend.sigma as number;
    expect(trend.ucl).toBeCloseTo(mean + 3 * sigma, 12);
    expect(trend.lcl).toBeCloseTo(mean - 3 * sigma, 12);
    expect(trend.cpk).toBeCloseTo(Math.min(5.25 - mean, mean - 4.75) / (3 * sigma), 12);
  });

  test('?last keeps the newest readings and ?batch one batch', async () => {
    drifting();
    const last = (await get('/api/trends/psu_functional/vout?last=5')).body as MeasurementTrend;
    expect(last.points.map((p) => p.executionId)).toEqual(['d3', 'd4', 'd5', 'd6', 'd7']);
    const batch = (await get('/api/trends/psu_functional/vout?batch=batch_2')).body as MeasurementTrend;
    expect(batch.points).toHaveLength(8);
  });

  test.each([
    ['0', 'a zero'],
    ['-3', 'a negative'],
    ['2.5', 'a fraction'],
    ['ten', 'a word'],
    [String(MAX_TREND_POINTS + 1), 'one past the bound'],
  ])('?last=%s (%s) is 422 BAD_REQUEST naming /last', async (last) => {
    run('e1', 0, 5);
    const { status, body } = await get(`/api/trends/psu_functional/vout?last=${last}`);
    expect(status).toBe(422);
    const error = (
      body as { error: { code: string; message: string; details: { errors: { path: string }[] } } }
    ).error;
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain(`1 to ${MAX_TREND_POINTS}`);
    expect(error.details.errors.map((e) => e.path)).toEqual(['/last']);
  });

  test('an empty ?batch is 422 naming /batch; a control character in a name is 400 INVALID_NAME', async () => {
    run('e1', 0, 5);
    const batch = await get('/api/trends/psu_functional/vout?batch=');
    expect(batch.status).toBe(422);
    expect(JSON.stringify(batch.body)).toContain('/batch');
    const name = await get('/api/trends/psu_functional/v%07out');
    expect(name.status).toBe(400);
    expect((name.body as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'INVALID_NAME',
      message: expect.stringContaining('measurement'),
    });
  });

  test('an unknown sequence and an unknown measurement are 404 saying which', async () => {
    run('e1', 0, 5);
    const seq = await get('/api/trends/burn_in/vout');
    expect(seq.status).toBe(404);
    expect((seq.body as { error: { message: string } }).error.message).toContain('sequence named "burn_in"');
    const m = await get('/api/trends/psu_functional/iout');
    expect(m.status).toBe(404);
    expect((m.body as { error: { message: string } }).error.message).toContain('measurement named "iout"');
    const other = await get('/api/trends/psu_functional/vout?batch=batch_2');
    expect(other.status).toBe(404);
    expect((other.body as { error: { message: string } }).error.message).toContain('on batch "batch_2"');
  });
});
