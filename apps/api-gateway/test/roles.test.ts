// Roles: every route walked with every role (operator, engineer, admin, none) by API key and by token;
// tokens signed with STATION_JWT_SECRET, expiry and clock skew honoured; sign-in of local users.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Role } from '@station/config';
import { SignJWT } from 'jose';
import { ROUTE_ROLES, WS_MESSAGE_ROLES } from '../src/roles.ts';
import { type Harness, harness, json } from './support.ts';
import { connect } from './ws-client.ts';

const SECRET = 'test-jwt-secret-0123456789-abcdefghij-ABCDEFGHIJ';
const NOW = Date.parse('2026-01-01T00:00:00.000Z'); // the harness clock
const KEYS: Record<Role, string> = { operator: 'k-operator', engineer: 'k-engineer', admin: 'k-admin' };
const LEGACY_KEY = 'k-legacy-without-role';
const PASSWORD = 'correct horse battery staple';

let h: Harness;
beforeAll(async () => {
  // Cheap bcrypt for the test; production hashes use the defaults.
  const hash = await Bun.password.hash(PASSWORD, { algorithm: 'bcrypt', cost: 4 });
  h = await harness({
    yaml: `
station: { id: station-t, name: Test Station }
server:
  auth:
    enabled: true
    type: jwt
    jwt_secret: ${SECRET}
    clock_skew: 30s
    jwt_ttl: 1h
    api_keys:
      - { key: ${KEYS.operator}, role: operator, name: line-pc }
      - { key: ${KEYS.engineer}, role: engineer }
      - { key: ${KEYS.admin}, role: admin }
      - ${LEGACY_KEY}
    users:
      - { name: alice, password_hash: "${hash}", role: engineer }
paths: { data_dir: ./data, sequences_dir: ./sequences }
batches:
  - { id: batch_1, sequence_package: psu_functional }
`,
  });
  // Every service answers, so whatever the gateway lets through gets a 2xx/4xx of the route itself.
  h.bus.on('supervisor', 'batch.list', () => []);
  h.bus.on('supervisor', 'batch.get', () => ({ id: 'batch_1', name: 'batch_1', status: 'idle' }));
  for (const m of ['batch.start', 'batch.restart'])
    h.bus.on('supervisor', m, () => ({ status: 'running', pid: 7 }));
  h.bus.on('supervisor', 'batch.stop', () => ({ status: 'idle' }));
  h.bus.on('runner.batch_1', 'sequence.start', () => ({ executionId: 'exec_1' }));
  h.bus.on('runner.batch_1', 'sequence.stop', () => ({ status: 'stopping' }));
  h.bus.on('runner.batch_1', 'manual.run', () => ({
    hardware: 'psu',
    command: 'on',
    result: null,
    duration: 0,
  }));
  h.bus.on('sync', 'sync.now', () => ({ synced: 0, failed: 0, rejected: 0, pending: 0 }));
});
afterAll(async () => {
  await h[Symbol.asyncDispose]();
});

/** A concrete request for each table entry (ids filled, the body each route needs). */
function requestOf(route: string): { method: string; path: string; body?: unknown } {
  const [method, pattern] = route.split(' ') as [string, string];
  const path = pattern.replace(':id', 'batch_1').replace(':name', 'psu_functional');
  if (route.endsWith('/manual')) return { method, path, body: { hardware: 'psu', command: 'on' } };
  if (route === 'POST /api/auth/token') return { method, path, body: { name: 'alice', password: PASSWORD } };
  return { method, path, ...(method === 'POST' ? { body: {} } : {}) };
}

const RANK: Role[] = ['operator', 'engineer', 'admin'];
const allowed = (role: Role, need: Role) => RANK.indexOf(role) >= RANK.indexOf(need);

describe('the route table', () => {
  test('names every route the gateway serves under /api, /metrics and /ws, and nothing else', () => {
    const served = h.gw.app.routes
      .filter((r) => r.path.startsWith('/api') || r.path === '/metrics' || r.path === '/ws')
      .map((r) => `${r.method === 'WS' ? 'GET' : r.method} ${r.path}`);
    expect([...new Set(served)].sort()).toEqual(Object.keys(ROUTE_ROLES).sort());
  });

  test('every WebSocket message a client may send has a role', () => {
    expect(Object.keys(WS_MESSAGE_ROLES).sort()).toEqual(['ping', 'subscribe', 'unsubscribe']);
  });
});

describe.each(Object.entries(ROUTE_ROLES))('%s (needs %s)', (route, need) => {
  const { method, path, body } = requestOf(route);

  // Let through means: neither 401 nor 403. What the route itself answers then (200, or 404 for an id the
  // test store lacks, or 503 health with nothing up) is not the role check's business.
  test('without a credential', async () => {
    const res = await json(h.req(method, path, body === undefined ? {} : { body }));
    if (need === 'open') expect([401, 403]).not.toContain(res.status);
    else expect(res.status).toBe(401);
  });

  test.each(RANK)('with an API key of role %s', async (role) => {
    const res = await json(
      h.req(method, path, { headers: { 'x-api-key': KEYS[role] }, ...(body === undefined ? {} : { body }) }),
    );
    if (need === 'open' || allowed(role, need)) {
      expect([401, 403]).not.toContain(res.status);
    } else {
      const name = role === 'operator' ? 'line-pc' : 'api-key-2';
      expect(res).toEqual({
        status: 403,
        body: {
          error: {
            code: 'FORBIDDEN',
            message: `${route} needs role ${need} or higher; ${name} has role ${role}`,
            details: { needed: need, role },
          },
        },
      });
    }
  });
});

describe('API keys', () => {
  test('a key listed without a role is admin (the list form of before roles)', async () => {
    const res = await h.req('POST', '/api/batches/batch_1/manual', {
      headers: { 'x-api-key': LEGACY_KEY },
      body: { hardware: 'psu', command: 'on' },
    });
    expect(res.status).toBe(200);
  });

  test('a refused request reaches no service', async () => {
    const before = h.bus.calls.length;
    const res = await json(
      h.req('POST', '/api/system/sync', { headers: { 'x-api-key': KEYS.operator }, body: {} }),
    );
    expect(res.status).toBe(403);
    expect(h.bus.calls.length).toBe(before);
  });
});

async function token(
  claims: Record<string, unknown>,
  opts: { exp?: number; iat?: number; nbf?: number; secret?: string; alg?: string } = {},
) {
  const iat = opts.iat ?? Math.floor(NOW / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? 'HS256' }).setIssuedAt(iat);
  if (opts.exp !== undefined) jwt = jwt.setExpirationTime(opts.exp);
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const nowS = Math.floor(NOW / 1000);

describe('tokens (server.auth.type: jwt)', () => {
  test.each(RANK)('a token with role %s gets exactly what a key of that role gets', async (role) => {
    const t = await token({ sub: `user-${role}`, role }, { exp: nowS + 600 });
    const manual = await json(
      h.req('POST', '/api/batches/batch_1/manual', {
        headers: bearer(t),
        body: { hardware: 'psu', command: 'on' },
      }),
    );
    if (role === 'operator') {
      expect(manual.body).toEqual({
        error: {
          code: 'FORBIDDEN',
          message: `POST /api/batches/:id/manual needs role engineer or higher; user-operator has role operator`,
          details: { needed: 'engineer', role: 'operator' },
        },
      });
    } else expect(manual.status).toBe(200);
    expect((await h.req('GET', '/api/batches', { headers: bearer(t) })).status).toBe(200);
  });

  test.each([
    ['expired 20 s ago, inside the 30 s skew', nowS - 20, 200, undefined],
    ['expired 40 s ago, past the skew', nowS - 40, 401, 'the token is not valid: it has expired'],
  ])('a token %s', async (_what, exp, status, message) => {
    const res = await json(
      h.req('GET', '/api/batches', {
        headers: bearer(await token({ sub: 'bob', role: 'operator' }, { exp, iat: exp - 60 })),
      }),
    );
    expect(res.status).toBe(status);
    if (message) expect(res.body).toEqual({ error: { code: 'UNAUTHORIZED', message } });
  });

  test.each([
    [
      'signed with another secret',
      () => token({ sub: 'x', role: 'admin' }, { exp: nowS + 60, secret: `${SECRET}-other` }),
      'the token is not valid: the signature does not match',
    ],
    [
      'without an expiry',
      () => token({ sub: 'x', role: 'admin' }),
      'the token is not valid: its "exp" claim is missing',
    ],
    [
      'without a role',
      () => token({ sub: 'x' }, { exp: nowS + 60 }),
      'the token is not valid: its "role" is not one of operator, engineer, admin',
    ],
    [
      'with an unknown role',
      () => token({ sub: 'x', role: 'root' }, { exp: nowS + 60 }),
      'the token is not valid: its "role" is not one of operator, engineer, admin',
    ],
    [
      'not valid before a time past the skew',
      () => token({ sub: 'x', role: 'admin' }, { exp: nowS + 600, nbf: nowS + 300 }),
      'the token is not valid: it is not valid yet (check the clocks)',
    ],
    [
      'signed HS512 (only HS256 is accepted)',
      () => token({ sub: 'x', role: 'admin' }, { exp: nowS + 60, alg: 'HS512' }),
      'the token is not valid: only HS256 is accepted',
    ],
  ])('a token %s is 401', async (_what, make, message) => {
    const res = await json(h.req('GET', '/api/batches', { headers: bearer(await make()) }));
    expect(res).toEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED', message } } });
  });

  test('an unsigned token (alg none) is 401', async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const t = `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: 'x', role: 'admin', exp: nowS + 60 })}.x`;
    expect((await h.req('GET', '/api/batches', { headers: bearer(t) })).status).toBe(401);
  });
});

describe('who starts a run', () => {
  const start = (headers: Record<string, string>, body: unknown) =>
    h.req('POST', '/api/batches/batch_1/sequence/start', { headers, body });
  const lastStart = () => h.bus.calls.filter((c) => c.method === 'sequence.start').at(-1)?.body;

  test('with a key (a shared station PC), the operator id the station asked for is passed on', async () => {
    expect((await start({ 'x-api-key': KEYS.operator }, { operator: 'badge-0042' })).status).toBe(200);
    expect(lastStart()).toEqual({ operator: 'badge-0042' });
  });

  test("with a token, the run is the signed-in person's, whatever the body says", async () => {
    const t = await token({ sub: 'bob', role: 'operator' }, { exp: nowS + 600 });
    expect((await start(bearer(t), { operator: 'someone-else', parameters: { v: 1 } })).status).toBe(200);
    expect(lastStart()).toEqual({ operator: 'bob', parameters: { v: 1 } });
  });
});

describe('POST /api/auth/token', () => {
  test('a local user signs in and the token carries their name and role', async () => {
    const res = await json(h.req('POST', '/api/auth/token', { body: { name: 'alice', password: PASSWORD } }));
    expect(res).toEqual({
      status: 200,
      body: {
        token: expect.any(String),
        tokenType: 'Bearer',
        expiresAt: '2026-01-01T01:00:00.000Z',
        name: 'alice',
        role: 'engineer',
      },
    });
    const t = (res.body as { token: string }).token;
    expect((await h.req('POST', '/api/batches/batch_1/stop', { headers: bearer(t), body: {} })).status).toBe(
      200,
    );
    expect((await json(h.req('GET', '/metrics', { headers: bearer(t) }))).status).toBe(200);
  });

  test('a wrong password and an unknown name get the same 401, so names cannot be guessed', async () => {
    const wrong = await json(h.req('POST', '/api/auth/token', { body: { name: 'alice', password: 'nope' } }));
    const unknown = await json(
      h.req('POST', '/api/auth/token', { body: { name: 'mallory', password: 'nope' } }),
    );
    const expected = {
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', message: 'the name or the password is wrong' } },
    };
    expect(wrong).toEqual(expected);
    expect(unknown).toEqual(expected);
  });

  test('without users configured, sign-in is 404 and says what to configure', async () => {
    await using plain = await harness();
    expect(await json(plain.req('POST', '/api/auth/token', { body: { name: 'a', password: 'b' } }))).toEqual({
      status: 404,
      body: {
        error: {
          code: 'NOT_FOUND',
          message: 'sign-in is not configured (server.auth.type: jwt with server.auth.users)',
        },
      },
    });
  });
});

describe('WebSocket', () => {
  test('the upgrade needs a credential; a token in api_key lets an operator subscribe', async () => {
    h.gw.app.listen({ hostname: '127.0.0.1', port: 0 });
    const port = h.gw.app.server!.port;
    try {
      const refused = await fetch(`http://127.0.0.1:${port}/ws`, {
        headers: {
          upgrade: 'websocket',
          connection: 'Upgrade',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-version': '13',
        },
      });
      expect(refused.status).toBe(401);
      const t = await token({ sub: 'op', role: 'operator' }, { exp: nowS + 600 });
      await using client = await connect(`ws://127.0.0.1:${port}/ws?api_key=${t}`);
      client.send({ type: 'subscribe', batch_ids: ['*'] });
      const ack = await client.next((m) => m.type === 'subscribed', 'subscribed');
      expect(ack).toEqual({ type: 'subscribed', data: { batch_ids: ['*'] } });
    } finally {
      await h.gw.app.stop(true);
    }
  });
});
