// API keys: where they are needed, where they may be carried, and that nothing else gets in.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { KeyChecker, needsKey } from '../src/auth.ts';
import { type Harness, harness, json } from './support.ts';

const AUTH_YAML = `
station: { id: station-t }
server: { auth: { enabled: true, api_keys: ["k-one-1234567890", "k-two"] } }
paths: { data_dir: ./data, sequences_dir: ./sequences }
`;

const unauthorized = (message: string) => ({
  status: 401,
  body: { error: { code: 'UNAUTHORIZED', message } },
});
const MISSING = 'an API key is required (X-API-Key or Authorization: Bearer)';
const INVALID = 'the API key is not valid';

describe('auth enabled', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ yaml: AUTH_YAML });
    h.bus.on('supervisor', 'batch.list', () => []);
  });
  afterEach(async () => {
    await h[Symbol.asyncDispose]();
  });

  test.each([
    '/api/batches',
    '/api/results',
    '/api/system/info',
    '/api/sequences',
    '/metrics',
    '/api/docs',
    '/api/nope',
  ])('GET %s without a key is 401', async (path) => {
    expect(await json(h.req('GET', path))).toEqual(unauthorized(MISSING));
  });

  test('POST routes need a key too, and nothing reaches the bus', async () => {
    expect(await json(h.req('POST', '/api/batches/batch_1/start'))).toEqual(unauthorized(MISSING));
    expect(h.bus.calls).toEqual([]);
  });

  test('X-API-Key and Authorization: Bearer with either key are accepted', async () => {
    expect(
      (await h.req('GET', '/api/batches', { headers: { 'x-api-key': 'k-one-1234567890' } })).status,
    ).toBe(200);
    expect((await h.req('GET', '/api/batches', { headers: { authorization: 'Bearer k-two' } })).status).toBe(
      200,
    );
    expect(
      (await h.req('GET', '/api/batches', { headers: { authorization: 'bearer   k-two' } })).status,
    ).toBe(200);
  });

  test.each([
    ['a wrong key', { 'x-api-key': 'k-one-123456789' }],
    ['a longer key', { 'x-api-key': 'k-one-1234567890x' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['another scheme', { authorization: 'Basic k-two' }],
  ])('%s is 401', async (_, headers) => {
    expect(await json(h.req('GET', '/api/batches', { headers }))).toEqual(
      'authorization' in headers ? unauthorized(MISSING) : unauthorized(INVALID),
    );
  });

  test('the api_key query parameter is not accepted on REST routes', async () => {
    expect(await json(h.req('GET', '/api/batches?api_key=k-two'))).toEqual(unauthorized(MISSING));
  });

  test('the health check and the UI stay open', async () => {
    expect((await h.req('GET', '/api/system/health')).status).toBe(503); // open, but nothing is up
    expect((await h.req('GET', '/')).status).toBe(200);
  });

  test('the 401 never echoes the key', async () => {
    const text = await (
      await h.req('GET', '/api/batches', { headers: { 'x-api-key': 'secret-guess-42' } })
    ).text();
    expect(text).not.toContain('secret-guess-42');
  });
});

describe('auth disabled', () => {
  test('no key needed anywhere', async () => {
    await using h = await harness();
    h.bus.on('supervisor', 'batch.list', () => []);
    expect(await json(h.req('GET', '/api/batches'))).toEqual({ status: 200, body: [] });
    expect((await h.req('GET', '/metrics')).status).toBe(200);
  });
});

describe('KeyChecker and needsKey', () => {
  test('matches only whole keys, whatever their length', () => {
    const c = new KeyChecker(['abc', 'x'.repeat(300)]);
    expect([
      c.accepts('abc'),
      c.accepts('x'.repeat(300)),
      c.accepts('ab'),
      c.accepts('abcd'),
      c.accepts(''),
    ]).toEqual([true, true, false, false, false]);
    expect(new KeyChecker([]).accepts('')).toBe(false);
  });

  test('paths', () => {
    expect(
      ['/api/batches', '/api', '/metrics', '/ws', '/api/system/health', '/', '/index.html', '/apix'].map(
        needsKey,
      ),
    ).toEqual([true, true, true, true, false, false, false, false]);
  });
});
