// GET /api/stats/series against a real store: yield per hour, shift or day of the asking screen's clock and
// the cycle time histogram, for the station or one slot; each bad parameter a 422 that names it.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import type { YieldSeries } from '@station/model';
import { type Harness, harness, json } from './support.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h[Symbol.asyncDispose]();
});

const HOUR = 3600_000;
/** 08:00 UTC = 17:00 in Seoul. */
const T0 = Date.parse('2026-01-01T08:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

/** A finished run of `serial` at T0 + `hours` on `batchId`, taking `seconds`. */
function run(id: string, hours: number, serial: string, pass: boolean, seconds: number, batchId = 'batch_1') {
  h.store.createExecution({
    id,
    batchId,
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    packageHash: 'h1',
    startedAt: at(hours),
    dut: { serialNumber: serial },
  });
  h.store.finishExecution(id, {
    status: pass ? 'completed' : 'failed',
    overallPass: pass,
    completedAt: new Date(T0 + hours * HOUR + seconds * 1000).toISOString(),
  });
}

beforeEach(() => {
  // 17:xx Seoul: A passes, B fails; 18:xx: B's retest passes, C passes on batch_2; 21:xx (shift 2, 14-22):
  // D fails; 22:xx (shift 3): E passes.
  run('a', 0.1, 'A', true, 10);
  run('b1', 0.2, 'B', false, 20);
  run('b2', 1.1, 'B', true, 30);
  run('c', 1.2, 'C', true, 40, 'batch_2');
  run('d', 4.5, 'D', false, 50);
  run('e', 5.5, 'E', true, 60);
});

const get = async (q: string) => json(h.req('GET', `/api/stats/series?${q}`));

test('per shift on a Seoul screen: units in the shift of their first run, the figures of each shift', async () => {
  const { status, body } = await get(`from=${at(0)}&to=${at(6)}&bucket=shift&utcOffset=540`);
  expect(status).toBe(200);
  const s = body as YieldSeries;
  expect(s).toEqual(
    JSON.parse(
      JSON.stringify(h.store.yieldSeries({ from: at(0), to: at(6), bucket: 'shift', utcOffset: 540 })),
    ),
  );
  expect(s.buckets.map((b) => [b.shift, b.start, b.unitsTested, b.firstPassed, b.passed, b.runs])).toEqual([
    // Shift 2 runs 14:00-22:00 Seoul = 05:00-13:00 UTC; shift 3 from 22:00 Seoul = 13:00 UTC.
    [2, '2026-01-01T05:00:00.000Z', 4, 2, 3, 5],
    [3, '2026-01-01T13:00:00.000Z', 1, 1, 1, 1],
  ]);
  expect(s.cycleTime).toMatchObject({ runs: 6, p50: 35, binWidth: 5 });
});

test('per hour for one slot, and the histogram bars as asked', async () => {
  const { body } = await get(`from=${at(0)}&to=${at(2)}&batch=batch_2&bins=4`);
  const s = body as YieldSeries;
  expect(s.batchId).toBe('batch_2');
  expect(s.buckets.map((b) => [b.start, b.unitsTested, b.firstPassYield])).toEqual([
    [at(0), 0, null],
    [at(1), 1, 1],
  ]);
  expect(s.cycleTime.bins).toEqual([{ from: 40, to: 41, runs: 1 }]);
});

test('without a range: the 24 hours up to the gateway clock, per hour', async () => {
  const { body } = await get('');
  expect(body).toMatchObject({ bucket: 'hour', utcOffset: 0, shifts: [6, 14, 22] });
  expect((body as YieldSeries).buckets).toHaveLength(24);
});

test.each([
  ['bucket=week', '/bucket', 'must be one of hour, shift, day, got "week"'],
  ['utcOffset=1000', '/utcOffset', 'must be a whole number from -840 to 840, got "1000"'],
  ['utcOffset=5.5', '/utcOffset', 'must be a whole number from -840 to 840, got "5.5"'],
  ['bins=1', '/bins', 'must be a whole number from 2 to 100, got "1"'],
  [
    'shifts=14,6',
    '/shifts',
    'must be local hours 0-23 in ascending order, comma separated (such as 6,14,22), got "14,6"',
  ],
  [
    'shifts=',
    '/shifts',
    'must be local hours 0-23 in ascending order, comma separated (such as 6,14,22), got ""',
  ],
  ['from=yesterday', '/from', 'must be an ISO 8601 time such as 2026-11-29T06:00:00Z, got "yesterday"'],
  [
    'from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z',
    '/from',
    'the range may span at most 31 days; ask for it in parts',
  ],
])('%s is 422 naming the parameter', async (q, path, message) => {
  expect(await get(q)).toEqual({
    status: 422,
    body: {
      error: {
        code: 'BAD_REQUEST',
        message: `${path}: ${message}`,
        details: { errors: [{ path, message }] },
      },
    },
  });
});
