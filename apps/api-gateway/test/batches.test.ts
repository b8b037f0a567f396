// The batch routes over a scripted bus: each route's request to the right service, and each failure's
// HTTP status with the one error body.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { Type as T } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { BusError } from '@station/bus/errors';
import { BatchDetail, BatchStatus } from '@station/model';
import { type Harness, harness, json } from './support.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h[Symbol.asyncDispose]();
});

const idle = { id: 'batch_1', name: 'Slot 1', status: 'idle' as const };
const detail = {
  ...idle,
  sequencePackage: 'psu_functional',
  autoStart: false,
  hardware: { psu: { driver: 'sim_psu' } },
  parameters: {},
  manualCommands: [],
  restarts: 0,
};

describe('happy paths', () => {
  test('GET /api/batches answers from the read model: one snapshot, then no request per read', async () => {
    h.bus.on('supervisor', 'batch.list', () => [
      idle,
      { id: 'batch_2', name: 'batch_2', status: 'running', pid: 42 },
    ]);
    const cards = [
      { ...idle, sequenceRunning: false },
      { id: 'batch_2', name: 'batch_2', status: 'running', pid: 42, sequenceRunning: false, dut: null },
    ];
    expect(await json(h.req('GET', '/api/batches'))).toEqual({ status: 200, body: cards });
    expect(await json(h.req('GET', '/api/batches'))).toEqual({ status: 200, body: cards });
    expect(h.bus.calls.map((c) => c.method)).toEqual(['batch.list']);
  });

  test('GET /api/batches/:id asks batch.get once for the configuration, then answers from memory', async () => {
    h.bus.on('supervisor', 'batch.list', () => [idle]);
    h.bus.on('supervisor', 'batch.get', () => detail);
    const expected = { ...detail, sequenceRunning: false };
    expect(await json(h.req('GET', '/api/batches/batch_1'))).toEqual({ status: 200, body: expected });
    expect(await json(h.req('GET', '/api/batches/batch_1'))).toEqual({ status: 200, body: expected });
    expect(h.bus.calls.map((c) => [c.service, c.method, c.body])).toEqual([
      ['supervisor', 'batch.list', {}],
      ['supervisor', 'batch.get', { batchId: 'batch_1' }],
    ]);
  });

  test('both reads answer JSON their response schema accepts, mid-run too', async () => {
    h.bus.on('supervisor', 'batch.list', () => [{ ...idle, status: 'running', pid: 42 }]);
    h.bus.on('supervisor', 'batch.get', () => ({ ...detail, status: 'running', pid: 42 }));
    await h.req('GET', '/api/batches');
    const run = {
      sequenceRunning: true,
      sequenceName: 'psu_functional',
      sequenceVersion: '1.0.0',
      executionId: 'exec_1',
      startedAt: '2025-12-31T23:59:00.000Z',
      totalSteps: 2,
      currentStep: 'measure',
      stepIndex: 1,
      progress: 0.5,
      dut: null,
    };
    h.gw.model.apply({ type: 'sequence_status', batch_id: 'batch_1', data: run });
    h.gw.model.apply({
      type: 'step_complete',
      batch_id: 'batch_1',
      data: { step: 'setup', duration: 0.1, pass: true, result: null },
    });
    const list = await h.req('GET', '/api/batches');
    const one = await h.req('GET', '/api/batches/batch_1');
    for (const res of [list, one]) expect(res.headers.get('content-type')).toStartWith('application/json');
    const cards = await list.json();
    const body = await one.json();
    // Answered as bytes, not checked by the framework per request: what the model builds must be the schema's.
    expect(TypeCompiler.Compile(T.Array(BatchStatus)).Errors(cards).First()).toBeUndefined();
    expect(TypeCompiler.Compile(BatchDetail).Errors(body).First()).toBeUndefined();
    expect(body).toMatchObject({ status: 'running', executionId: 'exec_1', elapsed: 60, restarts: 0 });
    expect(body.execution).toMatchObject({
      executionId: 'exec_1',
      status: 'running',
      currentStep: 'measure',
    });
    expect(cards).toMatchObject([
      { id: 'batch_1', executionId: 'exec_1', currentStep: 'measure', elapsed: 60 },
    ]);
  });

  test("GET /api/batches/:id/log: the batch's recent log from the event stream, oldest first; 404 for no batch", async () => {
    h.bus.on('supervisor', 'batch.list', () => [idle]);
    expect(await json(h.req('GET', '/api/batches/batch_1/log'))).toEqual({
      status: 200,
      body: { batchId: 'batch_1', lines: [] },
    });
    const line = {
      level: 'info' as const,
      message: 'output on at 5 V',
      timestamp: '2026-01-01T00:00:01.000Z',
    };
    h.gw.model.apply({ type: 'log', batch_id: 'batch_1', data: line });
    h.gw.model.apply({
      type: 'error',
      batch_id: 'batch_1',
      data: { code: 'STEP_TIMEOUT', message: 'set_output' },
    });
    expect(await json(h.req('GET', '/api/batches/batch_1/log'))).toEqual({
      status: 200,
      body: {
        batchId: 'batch_1',
        lines: [
          line,
          { level: 'error', message: 'STEP_TIMEOUT: set_output', timestamp: '2026-01-01T00:00:00.000Z' },
        ],
      },
    });
    for (const path of ['/api/batches/batch_9/log', '/api/batches/..%2Fx/log']) {
      const res = await json(h.req('GET', path));
      expect({
        path,
        status: res.status,
        code: (res.body as { error: { code: string } }).error.code,
      }).toEqual({
        path,
        status: 404,
        code: 'NOT_FOUND',
      });
    }
  });

  test('GET /api/batches/:id of a batch the station does not have is 404', async () => {
    h.bus.on('supervisor', 'batch.list', () => [idle]);
    expect(await json(h.req('GET', '/api/batches/batch_9'))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no batch "batch_9" on this station' } },
    });
  });

  test('before any snapshot, an unreachable supervisor is 503 (nothing to answer from)', async () => {
    expect(await json(h.req('GET', '/api/batches'))).toEqual({
      status: 503,
      body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'no live worker for supervisor' } },
    });
  });

  test('after a snapshot, an unreachable supervisor leaves the cards readable, marked stale', async () => {
    h.bus.on('supervisor', 'batch.list', () => [{ ...idle, status: 'running', pid: 7 }]);
    h.bus.on('supervisor', 'health', () => ({ service: 'supervisor', pid: 99, uptime: 1 }));
    await h.gw.model.check();
    h.bus.off('supervisor', 'health').off('supervisor', 'batch.list');
    await h.gw.model.check();
    expect(await json(h.req('GET', '/api/batches'))).toEqual({
      status: 200,
      body: [
        {
          ...idle,
          status: 'running',
          pid: 7,
          sequenceRunning: false,
          dut: null,
          stale: {
            since: '2026-01-01T00:00:00.000Z',
            reason: 'the supervisor does not answer: no live worker for supervisor',
          },
        },
      ],
    });
    // Back again: resynced, and the flag is gone.
    h.bus.on('supervisor', 'health', () => ({ service: 'supervisor', pid: 99, uptime: 3 }));
    h.bus.on('supervisor', 'batch.list', () => [idle]);
    await h.gw.model.check();
    expect((await json(h.req('GET', '/api/batches'))).body).toEqual([{ ...idle, sequenceRunning: false }]);
  });

  test('start and stop go to the supervisor with the long process deadline', async () => {
    h.bus.on('supervisor', 'batch.start', () => ({ status: 'running', pid: 1234 }));
    h.bus.on('supervisor', 'batch.stop', () => ({ status: 'idle' }));
    expect(await json(h.req('POST', '/api/batches/batch_1/start'))).toEqual({
      status: 200,
      body: { status: 'running', pid: 1234 },
    });
    expect(await json(h.req('POST', '/api/batches/batch_1/stop'))).toEqual({
      status: 200,
      body: { status: 'idle' },
    });
    expect(h.bus.calls).toEqual([
      { service: 'supervisor', method: 'batch.start', body: { batchId: 'batch_1' }, timeoutMs: 15_000 },
      { service: 'supervisor', method: 'batch.stop', body: { batchId: 'batch_1' }, timeoutMs: 15_000 },
    ]);
  });

  test('restart goes to the supervisor as batch.restart with time for a stop and a start (BR-006)', async () => {
    h.bus.on('supervisor', 'batch.restart', () => ({ status: 'running', pid: 4321 }));
    expect(await json(h.req('POST', '/api/batches/batch_1/restart'))).toEqual({
      status: 200,
      body: { status: 'running', pid: 4321 },
    });
    expect(h.bus.calls).toEqual([
      { service: 'supervisor', method: 'batch.restart', body: { batchId: 'batch_1' }, timeoutMs: 30_000 },
    ]);
  });

  test('sequence start/stop and manual commands go to the batch runner', async () => {
    h.bus.on('runner.batch_1', 'sequence.start', (body) => ({ executionId: `exec_${JSON.stringify(body)}` }));
    h.bus.on('runner.batch_1', 'sequence.stop', () => ({ status: 'stopping' }));
    h.bus.on('runner.batch_1', 'manual.run', (body) => ({
      ...(body as object),
      result: 5.01,
      duration: 0.02,
    }));
    expect(
      await json(
        h.req('POST', '/api/batches/batch_1/sequence/start', { body: { parameters: { output_voltage: 5 } } }),
      ),
    ).toEqual({
      status: 200,
      body: { executionId: 'exec_{"parameters":{"output_voltage":5}}' },
    });
    expect(await json(h.req('POST', '/api/batches/batch_1/sequence/start'))).toEqual({
      status: 200,
      body: { executionId: 'exec_{}' },
    });
    expect(await json(h.req('POST', '/api/batches/batch_1/sequence/stop'))).toEqual({
      status: 200,
      body: { status: 'stopping' },
    });
    const manual = { hardware: 'psu', command: 'measure_voltage', params: { channel: 1 } };
    // The reply is CommandResult exactly: fields outside the schema do not leak through.
    expect(await json(h.req('POST', '/api/batches/batch_1/manual', { body: manual }))).toEqual({
      status: 200,
      body: { hardware: 'psu', command: 'measure_voltage', result: 5.01, duration: 0.02 },
    });
    expect(h.bus.calls.at(-1)).toEqual({
      service: 'runner.batch_1',
      method: 'manual.run',
      body: manual,
      timeoutMs: 30_000,
    });
  });
});

describe('errors', () => {
  const remote = (code: string, message: string, details?: unknown) => () => {
    throw new BusError(code, message, { details });
  };

  test.each([
    ['NOT_FOUND', 404],
    ['ALREADY_RUNNING', 409],
    ['NOT_RUNNING', 409],
    ['START_CANCELLED', 409],
    ['START_FAILED', 502],
    ['SHUTTING_DOWN', 503],
    ['TIMEOUT', 504],
    ['SERVICE_UNAVAILABLE', 503],
    ['UNKNOWN_METHOD', 502],
    ['INTERNAL', 500],
  ])('a supervisor %s answers %d with the error body', async (code, status) => {
    h.bus.on('supervisor', 'batch.start', remote(code, `remote says ${code}`, { batchId: 'batch_1' }));
    expect(await json(h.req('POST', '/api/batches/batch_1/start'))).toEqual({
      status,
      body: { error: { code, message: `remote says ${code}`, details: { batchId: 'batch_1' } } },
    });
  });

  test.each([
    ['NOT_FOUND', 404],
    ['START_CANCELLED', 409],
    ['START_FAILED', 502],
    ['SHUTTING_DOWN', 503],
    ['TIMEOUT', 504],
  ])('a restart the supervisor answers %s is %d with the error body', async (code, status) => {
    h.bus.on('supervisor', 'batch.restart', remote(code, `remote says ${code}`, { batchId: 'batch_1' }));
    expect(await json(h.req('POST', '/api/batches/batch_1/restart'))).toEqual({
      status,
      body: { error: { code, message: `remote says ${code}`, details: { batchId: 'batch_1' } } },
    });
  });

  test('acknowledge goes to the runner with who acknowledged; RECOVERY_FAILED on a start is 409; nothing to acknowledge is 404', async () => {
    h.bus.on('runner.batch_1', 'recovery.acknowledge', (body) => ({
      executionId: 'exec_7',
      acknowledgedAt: `2026-12-02T08:00:00.000Z ${JSON.stringify(body)}`,
    }));
    expect(
      await json(h.req('POST', '/api/batches/batch_1/acknowledge', { body: { operator: 'op-17' } })),
    ).toEqual({
      status: 200,
      body: { executionId: 'exec_7', acknowledgedAt: '2026-12-02T08:00:00.000Z {"operator":"op-17"}' },
    });
    expect(
      await json(h.req('POST', '/api/batches/batch_1/acknowledge', { body: { who: 'x' } })),
    ).toMatchObject({
      status: 422,
      body: { error: { code: 'BAD_REQUEST' } },
    });
    h.bus.on('runner.batch_1', 'sequence.start', remote('RECOVERY_FAILED', 'recovery failed: relay stuck'));
    expect(await json(h.req('POST', '/api/batches/batch_1/sequence/start'))).toEqual({
      status: 409,
      body: { error: { code: 'RECOVERY_FAILED', message: 'recovery failed: relay stuck' } },
    });
    h.bus.on('runner.batch_1', 'recovery.acknowledge', remote('NOT_FOUND', 'nothing to acknowledge'));
    expect(await json(h.req('POST', '/api/batches/batch_1/acknowledge'))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'nothing to acknowledge' } },
    });
  });

  test('a restart of an id that cannot name a batch is 404 without a bus call', async () => {
    expect(await json(h.req('POST', '/api/batches/..%2Fx/restart'))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no batch "../x"' } },
    });
    expect(h.bus.calls).toEqual([]);
  });

  test('no supervisor at all is 503 SERVICE_UNAVAILABLE', async () => {
    expect(await json(h.req('GET', '/api/batches'))).toEqual({
      status: 503,
      body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'no live worker for supervisor' } },
    });
  });

  test('a manual command during a sequence is 409 SEQUENCE_RUNNING (MC-003)', async () => {
    h.bus.on('runner.batch_1', 'manual.run', remote('SEQUENCE_RUNNING', 'a sequence is running'));
    expect(
      await json(
        h.req('POST', '/api/batches/batch_1/manual', { body: { hardware: 'psu', command: 'output_on' } }),
      ),
    ).toEqual({
      status: 409,
      body: { error: { code: 'SEQUENCE_RUNNING', message: 'a sequence is running' } },
    });
  });

  test('a start refused for lack of disk space is 503 STORAGE_LOW with the free and required space', async () => {
    const details = { path: '/data', freeBytes: 150 * 1024 * 1024, requiredBytes: 200 * 1024 * 1024 };
    const message =
      'only 150.0 MB free on /data, below the 200.0 MB needed to start a sequence (storage.min_free_mb); new starts are refused until space is freed';
    h.bus.on('runner.batch_1', 'sequence.start', remote('STORAGE_LOW', message, details));
    expect(await json(h.req('POST', '/api/batches/batch_1/sequence/start', { body: {} }))).toEqual({
      status: 503,
      body: { error: { code: 'STORAGE_LOW', message, details } },
    });
  });

  test('a runner BAD_REQUEST (bad runtime parameters) is 422 with its field errors', async () => {
    const details = { errors: [{ path: '/parameters/output_voltage', message: 'must be <= 30' }] };
    h.bus.on(
      'runner.batch_1',
      'sequence.start',
      remote('BAD_REQUEST', 'output_voltage: must be <= 30', details),
    );
    expect(
      await json(
        h.req('POST', '/api/batches/batch_1/sequence/start', {
          body: { parameters: { output_voltage: 99 } },
        }),
      ),
    ).toEqual({
      status: 422,
      body: { error: { code: 'BAD_REQUEST', message: 'output_voltage: must be <= 30', details } },
    });
  });

  test("the runner's parameter problems also come as details.errors", async () => {
    const parameters = [
      { parameter: 'output_voltage', message: 'above the maximum 30', expected: '<= 30', found: '99' },
      { parameter: 'nope', message: 'unknown parameter', expected: 'one of output_voltage', found: '1' },
    ];
    h.bus.on('runner.batch_1', 'sequence.start', remote('BAD_REQUEST', 'invalid parameters', { parameters }));
    expect(
      await json(
        h.req('POST', '/api/batches/batch_1/sequence/start', {
          body: { parameters: { output_voltage: 99, nope: 1 } },
        }),
      ),
    ).toEqual({
      status: 422,
      body: {
        error: {
          code: 'BAD_REQUEST',
          message: 'invalid parameters',
          details: {
            parameters,
            errors: [
              { path: '/parameters/output_voltage', message: 'above the maximum 30' },
              { path: '/parameters/nope', message: 'unknown parameter' },
            ],
          },
        },
      },
    });
  });

  test('a body that fails the route schema is 422 BAD_REQUEST with each field, before any bus call', async () => {
    const res = await json(h.req('POST', '/api/batches/batch_1/manual', { body: { hardware: 7 } }));
    expect(res.status).toBe(422);
    const error = (res.body as { error: { code: string; details: { errors: { path: string }[] } } }).error;
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.details.errors.map((e) => e.path).sort()).toEqual(['/command', '/hardware']);
    expect(h.bus.calls).toEqual([]);
  });

  test('a body that is not JSON is 400 MALFORMED_REQUEST', async () => {
    expect(await json(h.req('POST', '/api/batches/batch_1/manual', { body: '{"hardware": ' }))).toEqual({
      status: 400,
      body: {
        error: {
          code: 'MALFORMED_REQUEST',
          message: 'the request body is not valid JSON: JSON Parse error: Unexpected EOF',
        },
      },
    });
  });

  test('a runner that is not registered: 409 NOT_RUNNING when the batch is idle', async () => {
    h.bus.on('supervisor', 'batch.get', () => detail);
    expect(await json(h.req('POST', '/api/batches/batch_1/sequence/start', { body: {} }))).toEqual({
      status: 409,
      body: {
        error: {
          code: 'NOT_RUNNING',
          message: 'batch batch_1 is not running (status idle); start it first',
          details: { batchId: 'batch_1', status: 'idle' },
        },
      },
    });
  });

  test('a runner that is not registered: 404 when the supervisor does not know the batch', async () => {
    h.bus.on('supervisor', 'batch.get', remote('NOT_FOUND', 'no batch nope'));
    expect(await json(h.req('POST', '/api/batches/nope/sequence/stop'))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no batch nope' } },
    });
  });

  test('a runner that is not registered while the batch runs stays 503', async () => {
    h.bus.on('supervisor', 'batch.get', () => ({ ...detail, status: 'running', pid: 7 }));
    expect((await json(h.req('POST', '/api/batches/batch_1/sequence/stop'))).status).toBe(503);
  });

  test('an id that cannot name a batch is 404 without a bus call', async () => {
    expect(await json(h.req('POST', '/api/batches/a%20b%2F..%2Fx/start'))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no batch "a b/../x"' } },
    });
    expect(h.bus.calls).toEqual([]);
  });

  test('an unknown route is a JSON 404 in the same shape', async () => {
    expect(await json(h.req('DELETE', '/api/batches/batch_1'))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no route DELETE /api/batches/batch_1' } },
    });
  });
});

describe('POST /api/batches/:id/prompts/:promptId', () => {
  const closed = {
    id: 'prm_1',
    executionId: 'exec_1',
    step: 'ask',
    status: 'answered',
    answer: 4.2,
    answeredBy: 'local',
    closedAt: '2026-01-01T00:00:00.000Z',
  };

  test('without auth the answer is recorded as given by "local"', async () => {
    h.bus.on('runner.batch_1', 'prompt.answer', () => closed);
    expect(
      await json(h.req('POST', '/api/batches/batch_1/prompts/prm_1', { body: { answer: 4.2 } })),
    ).toEqual({
      status: 200,
      body: closed,
    });
    expect(h.bus.calls.map((c) => [c.service, c.method, c.body])).toEqual([
      ['runner.batch_1', 'prompt.answer', { promptId: 'prm_1', answer: 4.2, answeredBy: 'local' }],
    ]);
  });

  test('a body that is not an answer, or an id that cannot be one, never reaches the runner', async () => {
    h.bus.on('runner.batch_1', 'prompt.answer', () => closed);
    const bad = [
      ['/api/batches/batch_1/prompts/prm_1', { answer: [1] }, 422],
      ['/api/batches/batch_1/prompts/prm_1', { answer: 1, by: 'me' }, 422],
      ['/api/batches/batch_1/prompts/prm_1', {}, 422],
      [`/api/batches/batch_1/prompts/${'p'.repeat(65)}`, { answer: true }, 404],
      ['/api/batches/batch_1/prompts/prm%201', { answer: true }, 404],
    ] as const;
    for (const [path, body, status] of bad) {
      expect([path, (await h.req('POST', path, { body })).status]).toEqual([path, status]);
    }
    expect(h.bus.calls).toEqual([]);
  });

  test("the runner's refusals keep their status and reason", async () => {
    const cases = [
      [new BusError('NOT_FOUND', 'no prompt prm_1'), 404],
      [new BusError('PROMPT_CLOSED', 'prompt prm_1 is closed (answered)'), 409],
      [
        new BusError('BAD_REQUEST', 'answer to prompt prm_1: must be at most 10', {
          details: {
            reason: 'must be at most 10',
            errors: [{ path: '/answer', message: 'must be at most 10' }],
          },
        }),
        422,
      ],
    ] as const;
    for (const [err, status] of cases) {
      h.bus.on('runner.batch_1', 'prompt.answer', () => {
        throw err;
      });
      const res = await json(h.req('POST', '/api/batches/batch_1/prompts/prm_1', { body: { answer: 11 } }));
      expect(res).toEqual({
        status,
        body: {
          error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
        },
      });
    }
  });
});
