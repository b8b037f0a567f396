// The test Backend itself: the sync tests trust its counters and its failures, so both are checked here.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { join } from 'node:path';
import { controlHandler } from './control.ts';
import { TestBackend } from './server.ts';

let backend: TestBackend;
beforeEach(async () => {
  backend = await TestBackend.start();
});
afterEach(async () => {
  await backend.stop();
});

function post(
  id: string,
  body: unknown = { id, steps: [] },
  key: string = backend.apiKey,
): Promise<Response> {
  return fetch(`${backend.url}/api/v1/results`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'idempotency-key': id, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

test('stores by idempotency key; a re-delivery is a 409 duplicate, a different body a duplicate result', async () => {
  expect((await post('e1')).status).toBe(201);
  expect((await post('e1')).status).toBe(409);
  expect((await post('e1', { id: 'e1', steps: [1] })).status).toBe(422);
  expect((await post('e2', { id: 'other' })).status).toBe(422);
  expect((await post('e3', undefined, 'wrong')).status).toBe(401);
  expect(backend.stats()).toEqual({
    results: 1,
    deliveries: 4,
    duplicates: 2,
    duplicateResults: 1,
    concurrentDeliveries: 0,
    unauthorized: 1,
    failed: 0,
    healthChecks: 0,
  });
  expect(backend.results()).toEqual([
    { key: 'e1', seq: 0, receivedAt: expect.any(Number), deliveries: 3, body: { id: 'e1', steps: [] } },
  ]);
});

test('down really refuses connections; up listens again on the same port', async () => {
  const port = backend.port;
  await backend.down();
  await expect(fetch(`${backend.url}/api/health`)).rejects.toThrow();
  await backend.up();
  expect(backend.port).toBe(port);
  expect((await fetch(`${backend.url}/api/health`)).status).toBe(200);
});

test('plans: counted failures with Retry-After, then normal again', async () => {
  backend.behave({ kind: 'status', status: 503, retryAfter: '4' }, 2);
  const first = await post('e1');
  expect([first.status, first.headers.get('retry-after')]).toEqual([503, '4']);
  expect((await post('e1')).status).toBe(503);
  expect((await post('e1')).status).toBe(201);
  expect(backend.stats()).toMatchObject({ results: 1, deliveries: 3, failed: 2 });
});

test('a hung request holds until reset, and overlapping deliveries of one key are counted', async () => {
  backend.behave({ kind: 'hang', store: true }, 1);
  const hung = post('e1');
  await backend.waitFor((b) => b.stats().deliveries === 1);
  expect((await post('e1')).status).toBe(409);
  expect(backend.stats().concurrentDeliveries).toBe(1);
  await backend.reset();
  expect((await hung).status).toBe(503);
});

test('control API: behave, down for a while, stats', async () => {
  const control = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: controlHandler(backend) });
  try {
    const base = `http://127.0.0.1:${control.port}`;
    const behave = await fetch(`${base}/behave`, {
      method: 'POST',
      body: '{"kind":"status","status":429,"times":1}',
    });
    expect(behave.status).toBe(200);
    expect((await post('e1')).status).toBe(429);
    expect((await fetch(`${base}/behave`, { method: 'POST', body: '{"kind":"nope"}' })).status).toBe(400);
    await fetch(`${base}/down`, { method: 'POST', body: '{"forMs":100}' });
    await expect(fetch(`${backend.url}/api/health`)).rejects.toThrow();
    await backend.waitFor((b) => b.listening, 5_000);
    expect((await post('e1')).status).toBe(201);
    const stats = (await (await fetch(`${base}/stats`)).json()) as Record<string, unknown>;
    expect(stats).toEqual({
      ...backend.stats(),
      healthChecks: stats.healthChecks,
      listening: true,
      url: backend.url,
    });
  } finally {
    await control.stop(true);
  }
});

test('dev tool: logs each result as it arrives and stops cleanly on SIGINT', async () => {
  const proc = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, 'main.ts'),
      '--port',
      '0',
      '--control-port',
      '0',
      '--api-key',
      'k-dev',
    ],
    { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' },
  );
  try {
    const reader = proc.stdout.getReader();
    let out = '';
    const readUntil = async (re: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`dev tool said: ${out}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`dev tool exited: ${out}`);
        out += new TextDecoder().decode(value);
      }
      return re.exec(out)!;
    };
    const url = (await readUntil(/listening on (http:\/\/\S+)/))[1]!;
    const res = await fetch(`${url}/api/v1/results`, {
      method: 'POST',
      headers: { authorization: 'Bearer k-dev', 'idempotency-key': 'exec_1' },
      body: JSON.stringify({
        id: 'exec_1',
        sequenceName: 'psu_functional',
        status: 'completed',
        overallPass: true,
        steps: [{}],
      }),
    });
    expect(res.status).toBe(201);
    await readUntil(/result #1 exec_1 psu_functional completed pass=true steps=1/);
    reader.releaseLock();
    proc.kill('SIGINT');
    expect(await proc.exited).toBe(0);
  } finally {
    proc.kill('SIGKILL');
  }
});
