// What the gateway lets through to a service: every route with a body refuses bad JSON (400), the wrong
// shape, unknown fields and reserved names (422 with the path), other media types (415), bodies over
// `server.max_body_bytes` (413) and state-changing requests from a foreign page (403), before any bus call.
import { afterEach, describe, expect, test } from 'bun:test';
import { type Harness, harness, json } from './support.ts';

const YAML = `
station: { id: station-t, name: Test Station }
server: { max_body_bytes: 2048, allowed_origins: ["https://hmi.plant.example:8443"] }
paths: { data_dir: ./data, sequences_dir: ./sequences }
batches:
  - { id: batch_1, sequence_package: psu_functional }
`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

/** A gateway whose services all answer, so that any refusal seen is the gateway's own. */
async function station(): Promise<Harness> {
  h = await harness({ yaml: YAML });
  h.bus.on('supervisor', 'batch.start', () => ({ status: 'running', pid: 7 }));
  h.bus.on('supervisor', 'batch.stop', () => ({ status: 'idle' }));
  h.bus.on('supervisor', 'batch.restart', () => ({ status: 'running', pid: 8 }));
  h.bus.on('runner.batch_1', 'sequence.start', () => ({ executionId: 'exec_1' }));
  h.bus.on('runner.batch_1', 'sequence.stop', () => ({ status: 'stopping' }));
  h.bus.on('runner.batch_1', 'recovery.acknowledge', () => ({
    executionId: 'exec_0',
    acknowledgedAt: '2026-12-02T08:00:00.000Z',
  }));
  h.bus.on('runner.batch_1', 'manual.run', () => ({
    hardware: 'psu',
    command: 'on',
    result: null,
    duration: 0,
  }));
  h.bus.on('sync', 'sync.now', () => ({ synced: 0, failed: 0, rejected: 0, pending: 0 }));
  return h;
}

/** Sends exactly these bytes and headers (the harness's `req` would add a JSON content type). */
function raw(
  path: string,
  body: string | undefined,
  headers: Record<string, string> = {},
): Promise<Response> {
  return h!.gw.app.handle(new Request(`http://127.0.0.1:8080${path}`, { method: 'POST', headers, body }));
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** Every route that changes state; `optional`: it also takes no body at all. */
const ROUTES = [
  { path: '/api/batches/batch_1/start', optional: true },
  { path: '/api/batches/batch_1/stop', optional: true },
  { path: '/api/batches/batch_1/restart', optional: true },
  { path: '/api/batches/batch_1/sequence/start', optional: true },
  { path: '/api/batches/batch_1/sequence/stop', optional: true },
  { path: '/api/batches/batch_1/sequence/version', optional: false },
  { path: '/api/batches/batch_1/acknowledge', optional: true },
  { path: '/api/batches/batch_1/manual', optional: false },
  { path: '/api/batches/batch_1/prompts/prm_1', optional: false },
  { path: '/api/system/sync', optional: true },
  { path: '/api/auth/token', optional: false },
];

/** Routes whose body is a package archive, not JSON: their own body rules are tested in deploy.test.ts. */
const ARCHIVE_ROUTES = ['/api/sequences'];

function refusal(
  status: number,
  code: string,
  message: string,
  errors?: { path: string; message: string }[],
) {
  return { status, body: { error: { code, message, ...(errors ? { details: { errors } } : {}) } } };
}

const NOT_AN_OBJECT = refusal(422, 'BAD_REQUEST', '/: Expected object', [
  { path: '/', message: 'Expected object' },
]);

describe.each(ROUTES)('POST $path', ({ path }) => {
  test.each([
    [
      'invalid JSON',
      '{not json',
      JSON_TYPE,
      refusal(400, 'MALFORMED_REQUEST', "the request body is not valid JSON: JSON Parse error: Expected '}'"),
    ],
    ['an array', '[]', JSON_TYPE, NOT_AN_OBJECT],
    ['a string', '"str"', JSON_TYPE, NOT_AN_OBJECT],
    ['null', 'null', JSON_TYPE, NOT_AN_OBJECT],
    [
      'an unknown top-level field',
      '{"hardware":"psu","command":"on","colour":"red","parameters":{}}',
      JSON_TYPE,
      undefined,
    ],
    [
      'a reserved name',
      '{"__proto__":{"admin":true}}',
      JSON_TYPE,
      refusal(422, 'BAD_REQUEST', '/__proto__: __proto__ is a reserved name', [
        { path: '/__proto__', message: '__proto__ is a reserved name' },
      ]),
    ],
    [
      'a text/plain body',
      '{"parameters":{}}',
      { 'content-type': 'text/plain;charset=UTF-8' },
      refusal(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'this route takes a JSON body (Content-Type: application/json), not "text/plain"',
      ),
    ],
    [
      'a form post',
      'parameters=1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      refusal(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'this route takes a JSON body (Content-Type: application/json), not "application/x-www-form-urlencoded"',
      ),
    ],
    [
      'a body without a content type',
      '{}',
      {},
      refusal(415, 'UNSUPPORTED_MEDIA_TYPE', 'a request body needs Content-Type: application/json'),
    ],
  ])('%s is refused and reaches no service', async (_what, body, headers, expected) => {
    await station();
    const res = await json(raw(path, body, headers));
    if (expected) expect(res).toEqual(expected);
    else {
      // Which fields are unknown depends on the route; `colour` is unknown to all of them.
      expect(res.status).toBe(422);
      const error = (res.body as { error: { code: string; details: { errors: { path: string }[] } } }).error;
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.details.errors.map((e) => e.path)).toContain('/colour');
    }
    expect(h!.bus.calls).toEqual([]);
  });

  test('a body over server.max_body_bytes is 413 naming the limit', async () => {
    await station();
    const big = JSON.stringify({ parameters: { serial: 'x'.repeat(3000) } });
    expect(await json(raw(path, big, JSON_TYPE))).toEqual(
      refusal(
        413,
        'PAYLOAD_TOO_LARGE',
        'the request body is larger than the limit of 2048 bytes (server.max_body_bytes)',
      ),
    );
    expect(h!.bus.calls).toEqual([]);
  });

  test.each([
    ['another site', 'https://evil.example'],
    ['another port of this host', 'http://127.0.0.1:9999'],
    ['an opaque origin', 'null'],
  ])('a request from %s is 403 FORBIDDEN_ORIGIN', async (_what, origin) => {
    await station();
    expect(await json(raw(path, undefined, { origin }))).toEqual(
      refusal(
        403,
        'FORBIDDEN_ORIGIN',
        `requests from ${JSON.stringify(origin)} may not change this station or read its events; allow that origin in server.allowed_origins if it is yours`,
      ),
    );
    expect(h!.bus.calls).toEqual([]);
  });
});

test('the table above is every route that changes state (a new one must be added to it)', async () => {
  await station();
  const mutating = h!.gw.app.routes
    .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && r.path.startsWith('/api/'))
    .map((r) => `${r.method} ${r.path.replace(':id', 'batch_1').replace(':promptId', 'prm_1')}`)
    .sort();
  expect(mutating).toEqual([...ROUTES.map((r) => r.path), ...ARCHIVE_ROUTES].map((p) => `POST ${p}`).sort());
});

test.each(ARCHIVE_ROUTES)(
  'an archive posted to %s from another site is 403 FORBIDDEN_ORIGIN',
  async (path) => {
    await station();
    const res = await raw(path, 'not an archive', {
      'content-type': 'application/gzip',
      origin: 'https://evil.example',
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN_ORIGIN');
    expect(h!.bus.calls).toEqual([]);
  },
);

describe('what is accepted', () => {
  test.each(ROUTES.filter((r) => r.optional))(
    '$path: no body, or an empty JSON one, is `{}`',
    async ({ path }) => {
      await station();
      expect((await raw(path, undefined)).status).toBe(200);
      expect((await raw(path, '', JSON_TYPE)).status).toBe(200);
      expect((await raw(path, '{}', { 'content-type': 'Application/JSON; charset=utf-8' })).status).toBe(200);
      const bodies = h!.bus.calls.map((c) => c.body);
      expect(bodies.length).toBe(3);
      // The batch id is the path's; the body itself adds nothing.
      for (const b of bodies) expect(b).toEqual(bodies[0]);
    },
  );

  test('the manual command needs its body', async () => {
    await station();
    expect(await json(raw('/api/batches/batch_1/manual', undefined))).toEqual(
      refusal(422, 'BAD_REQUEST', '/: a JSON body is required', [
        { path: '/', message: 'a JSON body is required' },
      ]),
    );
    expect(h!.bus.calls).toEqual([]);
  });

  test('the parameters of a sequence must be an object without reserved names', async () => {
    await station();
    const path = '/api/batches/batch_1/sequence/start';
    expect(await json(raw(path, '{"parameters":"x"}', JSON_TYPE))).toEqual(
      refusal(422, 'BAD_REQUEST', '/parameters: Expected object', [
        { path: '/parameters', message: 'Expected object' },
      ]),
    );
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      expect(await json(raw(path, `{"parameters":{"${name}":1}}`, JSON_TYPE))).toEqual(
        refusal(422, 'BAD_REQUEST', `/parameters/${name}: ${name} is a reserved name`, [
          { path: `/parameters/${name}`, message: `${name} is a reserved name` },
        ]),
      );
    }
    expect(h!.bus.calls).toEqual([]);
    expect(await json(raw(path, '{"parameters":{"output_voltage":5}}', JSON_TYPE))).toEqual({
      status: 200,
      body: { executionId: 'exec_1' },
    });
    expect(h!.bus.calls.map((c) => c.body)).toEqual([{ parameters: { output_voltage: 5 } }]);
  });

  test('a Content-Length over the limit is refused on any route, before the body is read', async () => {
    await station();
    const res = await h!.gw.app.handle(
      new Request('http://127.0.0.1:8080/api/batches', { headers: { 'content-length': '5000000' } }),
    );
    expect(await json(res)).toEqual(
      refusal(
        413,
        'PAYLOAD_TOO_LARGE',
        'the request body is 5000000 bytes, more than the limit of 2048 bytes (server.max_body_bytes)',
      ),
    );
  });

  test.each([
    ['no Origin (curl, scripts)', {}],
    ["the station's own origin", { origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080' }],
    ['an origin in server.allowed_origins', { origin: 'https://hmi.plant.example:8443' }],
  ])('a request with %s is served', async (_what, headers: Record<string, string>) => {
    await station();
    expect(await json(raw('/api/batches/batch_1/start', undefined, headers))).toEqual({
      status: 200,
      body: { status: 'running', pid: 7 },
    });
  });

  test('reading is allowed from any origin (it changes nothing)', async () => {
    await station();
    h!.bus.on('supervisor', 'batch.list', () => []);
    const res = await h!.gw.app.handle(
      new Request('http://127.0.0.1:8080/api/batches', { headers: { origin: 'https://evil.example' } }),
    );
    expect(await json(res)).toEqual({ status: 200, body: [] });
  });
});
