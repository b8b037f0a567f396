// The unit under test through REST: the start's dut, the results filters, a unit's history and yield.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { BusError } from '@station/bus/errors';
import type { NewExecution } from '@station/db';
import { type Harness, harness, json } from './support.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h[Symbol.asyncDispose]();
});

const MIN = 60_000;
const T0 = Date.parse('2026-01-01T08:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();

/** A finished run of `serial` at T0 + `minutes`, passing or not, taking `seconds`. */
function run(
  id: string,
  minutes: number,
  serial: string | null,
  pass: boolean,
  seconds: number,
  over: Partial<NewExecution> = {},
) {
  h.store.createExecution({
    id,
    batchId: 'batch_1',
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    packageHash: 'h1',
    startedAt: at(minutes),
    dut: { serialNumber: serial, partNumber: 'PSU-12V' },
    ...over,
  });
  h.store.finishExecution(id, {
    status: pass ? 'completed' : 'failed',
    overallPass: pass,
    completedAt: new Date(T0 + minutes * MIN + seconds * 1000).toISOString(),
  });
}

describe('POST /api/batches/{id}/sequence/start with the unit', () => {
  const start = (body: unknown) => json(h.req('POST', '/api/batches/batch_1/sequence/start', { body }));

  test('the unit goes to the runner with the parameters', async () => {
    h.bus.on('runner.batch_1', 'sequence.start', () => ({ executionId: 'exec_1' }));
    const dut = { serialNumber: 'PSU-004711', partNumber: 'PSU-12V', revision: 'C', lot: 'L2026-48' };
    expect(await start({ parameters: { output_voltage: 5 }, dut })).toEqual({
      status: 200,
      body: { executionId: 'exec_1' },
    });
    expect(h.bus.calls.at(-1)?.body).toEqual({ parameters: { output_voltage: 5 }, dut });
  });

  test.each([
    [{ partNumber: 'PSU-12V' }, '/dut/serialNumber'],
    [{ serialNumber: 'PSU 4711' }, '/dut/serialNumber'],
    [{ serialNumber: '' }, '/dut/serialNumber'],
    [{ serialNumber: 'X'.repeat(65) }, '/dut/serialNumber'],
    [{ serialNumber: 'PSU-1', lot: '' }, '/dut/lot'],
    [{ serialNumber: 'PSU-1', colour: 'red' }, '/dut/colour'],
  ])('a malformed unit %j is 422 naming %s, and never reaches the runner', async (dut, path) => {
    const { status, body } = await start({ dut });
    expect(status).toBe(422);
    const error = (body as { error: { code: string; details: { errors: { path: string }[] } } }).error;
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.details.errors.map((e) => e.path)).toContain(path);
    expect(h.bus.calls).toEqual([]);
  });

  test("the runner's refusal of a serial (the manifest's pattern) is 422 BAD_SERIAL naming the pattern", async () => {
    const message =
      'serial number "XX-1" does not match the pattern PSU-[0-9]{6} (manifest dut.serial_pattern)';
    const details = {
      errors: [{ path: '/dut/serialNumber', message }],
      serial: 'required',
      pattern: 'PSU-[0-9]{6}',
    };
    h.bus.on('runner.batch_1', 'sequence.start', () => {
      throw new BusError('BAD_SERIAL', message, { details });
    });
    expect(await start({ dut: { serialNumber: 'XX-1' } })).toEqual({
      status: 422,
      body: { error: { code: 'BAD_SERIAL', message, details } },
    });
  });
});

describe('GET /api/results by unit', () => {
  beforeEach(() => {
    run('e1', 1, 'PSU-000100', true, 30);
    run('e2', 2, 'PSU-000101', false, 30, { dut: { serialNumber: 'PSU-000101', partNumber: 'PSU-5V' } });
    run('e3', 3, 'PSU-000200', true, 30);
    run('e4', 4, null, true, 30);
  });
  const ids = (body: unknown) => (body as { items: { id: string }[] }).items.map((i) => i.id);

  test('serial is a prefix match, partNumber exact; each row carries its unit', async () => {
    expect(ids((await json(h.req('GET', '/api/results?serial=PSU-0001'))).body)).toEqual(['e2', 'e1']);
    expect(ids((await json(h.req('GET', '/api/results?serial=PSU-000200'))).body)).toEqual(['e3']);
    expect(ids((await json(h.req('GET', '/api/results?partNumber=PSU-5V'))).body)).toEqual(['e2']);
    const { body } = await json(h.req('GET', '/api/results?serial=PSU-000100'));
    expect((body as { items: unknown[] }).items[0]).toMatchObject({
      serialNumber: 'PSU-000100',
      partNumber: 'PSU-12V',
      revision: null,
      lot: null,
      serialSourceStep: null,
    });
  });

  test('an empty or overlong serial filter is 422 naming it', async () => {
    for (const q of ['serial=', `serial=${'S'.repeat(65)}`, 'partNumber=']) {
      const { status, body } = await json(h.req('GET', `/api/results?${q}`));
      expect(status).toBe(422);
      const path = `/${q.slice(0, q.indexOf('='))}`;
      expect(
        (body as { error: { details: { errors: { path: string }[] } } }).error.details.errors[0]?.path,
      ).toBe(path);
    }
  });
});

describe('GET /api/units/{serialNumber}', () => {
  test('the history across batches and sequences, newest first, each run with its verdict', async () => {
    run('e1', 1, 'PSU-000100', false, 30);
    run('e2', 2, 'PSU-000100', true, 30, { batchId: 'batch_2' });
    run('e3', 3, 'PSU-000100', true, 90, { sequenceName: 'burn_in' });
    run('other', 4, 'PSU-000101', true, 30);
    const { status, body } = await json(h.req('GET', '/api/units/PSU-000100'));
    expect(status).toBe(200);
    const history = body as { serialNumber: string; total: number; runs: Record<string, unknown>[] };
    expect(history.serialNumber).toBe('PSU-000100');
    expect(history.total).toBe(3);
    expect(history.runs.map((r) => [r.id, r.batchId, r.sequenceName, r.verdict])).toEqual([
      ['e3', 'batch_1', 'burn_in', 'PASS'],
      ['e2', 'batch_2', 'psu_functional', 'PASS'],
      ['e1', 'batch_1', 'psu_functional', 'FAIL'],
    ]);
    expect(history.runs[2]).toEqual({
      ...JSON.parse(JSON.stringify(h.store.getExecution('e1'))),
      resumeCount: 0,
      verdict: 'FAIL',
    });
  });

  test('a serial with URL characters (/ and #) is found when the path encodes them', async () => {
    run('e1', 1, 'LOT7/SN#42', true, 30);
    const { status, body } = await json(h.req('GET', `/api/units/${encodeURIComponent('LOT7/SN#42')}`));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      serialNumber: 'LOT7/SN#42',
      total: 1,
      runs: [{ id: 'e1', verdict: 'PASS' }],
    });
  });

  test('a serial never seen is 404 saying so', async () => {
    expect(await json(h.req('GET', '/api/units/PSU-999999'))).toEqual({
      status: 404,
      body: {
        error: {
          code: 'NOT_FOUND',
          message: 'no run of a unit with serial number "PSU-999999" is on record',
        },
      },
    });
  });

  test('a serial that cannot be one is 422, not a lookup', async () => {
    expect(await json(h.req('GET', '/api/units/PSU%20000100'))).toEqual({
      status: 422,
      body: {
        error: {
          code: 'BAD_REQUEST',
          message: '/serialNumber: must be 1-64 printable ASCII characters without spaces, got "PSU 000100"',
          details: {
            errors: [
              {
                path: '/serialNumber',
                message: 'must be 1-64 printable ASCII characters without spaces, got "PSU 000100"',
              },
            ],
          },
        },
      },
    });
  });
});

describe('GET /api/stats', () => {
  beforeEach(() => {
    // A passes; B fails then passes its retest on batch_2; C fails; one run without a serial passes.
    run('a1', 1, 'A', true, 10);
    run('b1', 2, 'B', false, 20);
    run('b2', 3, 'B', true, 30, { batchId: 'batch_2' });
    run('c1', 4, 'C', false, 40, { batchId: 'batch_2' });
    run('n1', 5, null, true, 50);
  });

  test('units, passes, first-pass yield and cycle time over a range, per batch and per sequence', async () => {
    const { status, body } = await json(h.req('GET', `/api/stats?from=${at(0)}&to=${at(60)}`));
    expect(status).toBe(200);
    expect(body).toEqual(JSON.parse(JSON.stringify(h.store.stationStats({ from: at(0), to: at(60) }))));
    expect((body as { total: unknown }).total).toEqual({
      unitsTested: 4,
      passed: 3,
      failed: 1,
      firstPassed: 2,
      firstPassYield: 0.5,
      runs: 5,
      cycleTime: { p50: 30, p95: 48 },
    });
    const batches = (body as { batches: { batchId: string; unitsTested: number }[] }).batches;
    expect(batches.map((b) => [b.batchId, b.unitsTested])).toEqual([
      ['batch_1', 3],
      ['batch_2', 2],
    ]);
  });

  test('filtered by batch and sequence', async () => {
    const { body } = await json(
      h.req('GET', `/api/stats?from=${at(0)}&to=${at(60)}&batch=batch_2&sequence=psu_functional`),
    );
    expect(body).toMatchObject({
      batchId: 'batch_2',
      sequence: 'psu_functional',
      total: { unitsTested: 2, passed: 1, failed: 1, firstPassed: 0, runs: 2 },
    });
  });

  test('without a range: the 24 hours up to now', async () => {
    // The harness clock stands at 2026-01-01T00:00:00Z, before these runs.
    const { body } = await json(h.req('GET', '/api/stats'));
    expect(body).toMatchObject({ from: '2025-12-31T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' });
    expect((body as { total: { runs: number } }).total.runs).toBe(0);
  });

  test.each([
    ['from=yesterday', '/from', 'must be an ISO 8601 time such as 2026-11-29T06:00:00Z, got "yesterday"'],
    [
      'to=2026-13-45T00:00:00Z',
      '/to',
      'must be an ISO 8601 time such as 2026-11-29T06:00:00Z, got "2026-13-45T00:00:00Z"',
    ],
    [`from=${at(60)}&to=${at(0)}`, '/from', `must not be after to (${at(0)})`],
    [
      'from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z',
      '/from',
      'the range may span at most 31 days; ask for it in parts',
    ],
  ])('%s is 422 naming the parameter', async (q, path, message) => {
    expect(await json(h.req('GET', `/api/stats?${q}`))).toEqual({
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

  test('an empty batch filter is 422 naming it', async () => {
    const { status, body } = await json(h.req('GET', '/api/stats?batch='));
    expect(status).toBe(422);
    expect(
      (body as { error: { details: { errors: { path: string }[] } } }).error.details.errors[0]?.path,
    ).toBe('/batch');
  });
});
