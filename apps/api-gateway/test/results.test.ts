// The results routes on a real store (migrations applied, rows written by the runner's own queries).
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { type Harness, harness, json } from './support.ts';

let h: Harness;

/** Three executions: a pass on batch_1, a fail on batch_2 (with tricky text), one still running. */
function seed(store: Harness['store']): void {
  store.createExecution({
    id: 'exec_a',
    batchId: 'batch_1',
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    packageHash: 'h1',
    parameters: { output_voltage: 5 },
    startedAt: '2026-01-01T10:00:00.000Z',
    operator: 'op-4711',
    dut: { serialNumber: 'SN-0001', partNumber: 'PSU-12V', revision: 'B', lot: 'L-48' },
  });
  store.recordStep('exec_a', {
    name: 'initialize',
    order: 0,
    status: 'completed',
    pass: true,
    duration: 0.5,
    attempts: 1,
  });
  store.recordStep(
    'exec_a',
    { name: 'measure', order: 1, status: 'completed', pass: true, duration: 1.25, attempts: 1 },
    [
      { name: 'voltage', value: 5.01, unit: 'V', low: 4.9, high: 5.1, pass: true },
      { name: 'current', value: 0.2, unit: 'A', low: 0, high: 0.5, pass: true },
    ],
  );
  store.finishExecution('exec_a', {
    status: 'completed',
    overallPass: true,
    completedAt: '2026-01-01T10:00:02.000Z',
  });

  store.createExecution({
    id: 'exec_b',
    batchId: 'batch_2',
    sequenceName: 'failure_paths',
    sequenceVersion: '0.2.0',
    packageHash: 'h2',
    startedAt: '2026-01-02T10:00:00.000Z',
  });
  store.recordStep(
    'exec_b',
    {
      name: 'limit, "check"',
      order: 0,
      status: 'failed',
      pass: false,
      duration: 0.1,
      attempts: 1,
      error: 'value out of range\nsee log',
    },
    [{ name: '=cmd', value: 'ok', equals: 'fine', pass: false }],
  );
  store.finishExecution('exec_b', {
    status: 'failed',
    overallPass: false,
    completedAt: '2026-01-02T10:00:01.000Z',
    statusReason: 'BATCH_CRASHED',
  });

  store.createExecution({
    id: 'exec_c',
    batchId: 'batch_1',
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    packageHash: 'h1',
    startedAt: '2026-01-03T10:00:00.000Z',
  });
}

beforeEach(async () => {
  h = await harness();
  seed(h.store);
});
afterEach(async () => {
  await h[Symbol.asyncDispose]();
});

const ids = (body: unknown) => (body as { items: { id: string }[] }).items.map((i) => i.id);

describe('GET /api/results', () => {
  test('newest first with the total, each row saying who started it', async () => {
    const { status, body } = await json(h.req('GET', '/api/results'));
    expect(status).toBe(200);
    expect(ids(body)).toEqual(['exec_c', 'exec_b', 'exec_a']);
    expect((body as { items: { operator: string | null }[] }).items.map((i) => i.operator)).toEqual([
      null,
      null,
      'op-4711',
    ]);
    const { items: _, ...paging } = body as { items: unknown[] };
    expect(paging).toEqual({ total: 3, page: 1, pageSize: 50 });
  });

  test('pages', async () => {
    const p2 = await json(h.req('GET', '/api/results?page=2&pageSize=2'));
    expect(ids(p2.body)).toEqual(['exec_a']);
    expect((p2.body as { total: number; page: number; pageSize: number }).total).toBe(3);
  });

  test('pageSize is capped at 200', async () => {
    expect((await json(h.req('GET', '/api/results?pageSize=5000'))).body).toMatchObject({ pageSize: 200 });
  });

  test.each([
    ['batchId=batch_1', ['exec_c', 'exec_a']],
    ['status=failed', ['exec_b']],
    ['pass=true', ['exec_a']],
    ['pass=false', ['exec_b']],
    ['sequence=psu_functional', ['exec_c', 'exec_a']],
    ['from=2026-01-02T00:00:00Z', ['exec_c', 'exec_b']],
    ['to=2026-01-02T00:00:00Z', ['exec_a']],
    ['batchId=batch_1&status=completed', ['exec_a']],
  ])('filter %s', async (query, expected) => {
    expect(ids((await json(h.req('GET', `/api/results?${query}`))).body)).toEqual(expected);
  });

  test.each([
    ['page=0', '/page'],
    ['pageSize=abc', '/pageSize'],
    ['status=done', '/status'],
    ['pass=yes', '/pass'],
  ])('invalid query %s is 422 naming the field', async (query, path) => {
    const { status, body } = await json(h.req('GET', `/api/results?${query}`));
    expect(status).toBe(422);
    const error = (body as { error: { code: string; details: { errors: { path: string }[] } } }).error;
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.details.errors.map((e) => e.path)).toEqual([path]);
  });

  test('a value outside a list of choices names the choices', async () => {
    const message = 'must be one of: running, completed, failed, stopped (got "done")';
    expect(await json(h.req('GET', '/api/results?status=done'))).toEqual({
      status: 422,
      body: {
        error: {
          code: 'BAD_REQUEST',
          message: `/status: ${message}`,
          details: { errors: [{ path: '/status', message }] },
        },
      },
    });
  });

  test('each row counts the times a runner crash cut its run off and the next runner resumed it', async () => {
    const crash = { reason: 'BATCH_CRASHED' as const, message: 'runner of batch_3 crashed (signal SIGKILL)' };
    h.store.createExecution({
      id: 'exec_r',
      batchId: 'batch_3',
      sequenceName: 'soak',
      sequenceVersion: '1.0.0',
      packageHash: 'h3',
      startedAt: '2026-01-04T10:00:00.000Z',
      dut: { serialNumber: 'SN-0009' },
      steps: ['a', 'b'],
      resumable: true,
    });
    h.store.markStepRunning('exec_r', 1, '2026-01-04T10:00:01.000Z');
    h.store.markInterrupted({ batchId: 'batch_3' }, 'failed', crash, '2026-01-04T10:00:02.000Z', {
      holdResumable: true,
    });
    h.store.resumeExecution('exec_r', 1, {
      kind: 'resume',
      startedAt: '2026-01-04T10:00:03.000Z',
      completedAt: '2026-01-04T10:00:04.000Z',
      passed: true,
      safeState: [],
      steps: [],
      resumedFrom: { order: 1, step: 'b' },
      interruption: crash,
    });
    h.store.finishExecution('exec_r', {
      status: 'completed',
      overallPass: true,
      completedAt: '2026-01-04T10:00:09.000Z',
    });
    const list = (await json(h.req('GET', '/api/results'))).body as {
      items: { id: string; status: string; resumeCount: number }[];
    };
    expect(list.items.map((i) => [i.id, i.status, i.resumeCount])).toEqual([
      ['exec_r', 'completed', 1],
      ['exec_c', 'running', 0],
      ['exec_b', 'failed', 0],
      ['exec_a', 'completed', 0],
    ]);
    // The unit's history carries it too, as its result does in full.
    const unit = (await json(h.req('GET', '/api/units/SN-0009'))).body as {
      runs: { id: string; resumeCount: number }[];
    };
    expect(unit.runs.map((r) => [r.id, r.resumeCount])).toEqual([['exec_r', 1]]);
    const result = (await json(h.req('GET', '/api/results/exec_r'))).body as { resumes: unknown[] };
    expect(result.resumes).toHaveLength(1);
  });

  test('an unparseable time is 422', async () => {
    const { status, body } = await json(h.req('GET', '/api/results?from=yesterday'));
    expect(status).toBe(422);
    expect((body as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });
});

describe('GET /api/results/:id', () => {
  test('the whole ExecutionResult with steps and measurements', async () => {
    const { status, body } = await json(h.req('GET', '/api/results/exec_a'));
    expect(status).toBe(200);
    expect(body).toEqual(JSON.parse(JSON.stringify(h.store.getResult('exec_a'))));
    expect((body as { operator: string }).operator).toBe('op-4711');
    expect(
      (body as { steps: { name: string; measurements: unknown[] }[] }).steps.map((s) => [
        s.name,
        s.measurements.length,
      ]),
    ).toEqual([
      ['initialize', 0],
      ['measure', 2],
    ]);
  });

  test('an execution ended from outside says why (statusReason) in the list, the detail and the JSON export', async () => {
    const list = (await json(h.req('GET', '/api/results'))).body as {
      items: { id: string; statusReason: string | null }[];
    };
    expect(list.items.map((i) => [i.id, i.statusReason])).toEqual([
      ['exec_c', null],
      ['exec_b', 'BATCH_CRASHED'],
      ['exec_a', null],
    ]);
    const detail = await json(h.req('GET', '/api/results/exec_b'));
    expect(detail.body).toMatchObject({ status: 'failed', statusReason: 'BATCH_CRASHED' });
    const exported = await h.req('GET', '/api/results/exec_b/export?format=json');
    expect(await exported.json()).toMatchObject({ status: 'failed', statusReason: 'BATCH_CRASHED' });
  });

  test('an unknown id is 404', async () => {
    expect(await json(h.req('GET', '/api/results/nope'))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no result "nope"' } },
    });
  });
});

describe('GET /api/results/:id/export', () => {
  test('JSON download with a file name', async () => {
    const res = await h.req('GET', '/api/results/exec_a/export?format=json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="exec_a.json"');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const exported = (await res.json()) as Record<string, unknown>;
    expect(exported).toEqual(JSON.parse(JSON.stringify(h.store.getResult('exec_a'))));
    expect(exported).toMatchObject({
      operator: 'op-4711',
      serialNumber: 'SN-0001',
      partNumber: 'PSU-12V',
      revision: 'B',
      lot: 'L-48',
      serialSourceStep: null,
    });
  });

  test('JSON is the default format', async () => {
    const res = await h.req('GET', '/api/results/exec_a/export');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="exec_a.json"');
  });

  test('CSV: a row per measurement and per step without measurements', async () => {
    const res = await h.req('GET', '/api/results/exec_a/export?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="exec_a.csv"');
    const head =
      'exec_a,batch_1,psu_functional,1.0.0,completed,,true,2026-01-01T10:00:00.000Z,2026-01-01T10:00:02.000Z,op-4711,SN-0001,PSU-12V,B,L-48,';
    expect(await res.text()).toBe(
      [
        'execution_id,batch_id,sequence_name,sequence_version,execution_status,status_reason,overall_pass,started_at,completed_at,operator,serial_number,part_number,revision,lot,serial_source_step,step_order,step_name,step_status,step_pass,step_duration_s,step_error,measurement,value,unit,low,high,equals,measurement_pass',
        `${head},0,initialize,completed,true,0.5,,,,,,,,`,
        `${head},1,measure,completed,true,1.25,,voltage,5.01,V,4.9,5.1,,true`,
        `${head},1,measure,completed,true,1.25,,current,0.2,A,0,0.5,,true`,
        '',
      ].join('\r\n'),
    );
  });

  test('CSV quotes commas, quotes and newlines (RFC 4180) and defuses formulas', async () => {
    const text = await (await h.req('GET', '/api/results/exec_b/export?format=csv')).text();
    const row = text.split('\r\n')[1];
    expect(row).toBe(
      'exec_b,batch_2,failure_paths,0.2.0,failed,BATCH_CRASHED,false,2026-01-02T10:00:00.000Z,2026-01-02T10:00:01.000Z,,,,,,,0,"limit, ""check""",failed,false,0.1,"value out of range\nsee log",\'=cmd,ok,,,,fine,false',
    );
  });

  test('an unknown format is 422 naming the formats, and an unknown id 404', async () => {
    const message = 'must be one of: json, csv (got "xml")';
    expect(await json(h.req('GET', '/api/results/exec_a/export?format=xml'))).toEqual({
      status: 422,
      body: {
        error: {
          code: 'BAD_REQUEST',
          message: `/format: ${message}`,
          details: { errors: [{ path: '/format', message }] },
        },
      },
    });
    expect((await json(h.req('GET', '/api/results/nope/export?format=csv'))).status).toBe(404);
  });
});
