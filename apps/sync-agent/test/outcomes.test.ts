// Each answer class of the Backend contract against the real test Backend over loopback: what lands on the
// queue row, when the next attempt is due, and what `sync.now` reports.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { ManualClock } from '@station/time';
import type { Behaviour } from '../../../tests/backend/behaviour.ts';
import { TestBackend } from '../../../tests/backend/server.ts';
import { SyncAgent } from '../src/agent.ts';
import { queueRows, quietLogger, seedExecutions, settings, type TempStore, tempStore } from './support.ts';

let backend: TestBackend;
let tmp: TempStore;
let clock: ManualClock;

beforeEach(async () => {
  backend = await TestBackend.start();
  tmp = tempStore();
  clock = new ManualClock();
});
afterEach(async () => {
  await backend.stop();
  tmp.dispose();
});

function agent(over: { apiKey?: string; timeout?: number } = {}) {
  return new SyncAgent({
    store: tmp.store,
    backend: settings(backend.url, over.apiKey ?? backend.apiKey, {
      timeout: over.timeout ?? 2_000,
      retry_base: 1000,
      retry_cap: 60_000,
    }),
    logger: quietLogger,
    clock,
    // 0.5 puts the first retry at base + 0.5 * (2 * base - base) = 1.5 * base.
    random: () => 0.5,
  });
}

function row() {
  const r = tmp.store.sqlite
    .query<
      {
        status: string;
        attempts: number;
        last_status: number | null;
        last_error: string | null;
        next_attempt_at: string;
      },
      []
    >('SELECT status, attempts, last_status, last_error, next_attempt_at FROM sync_queue')
    .get();
  if (!r) throw new Error('no queue row');
  return r;
}

const retryable: {
  name: string;
  behaviour: Behaviour | 'down';
  status: number | null;
  delayMs: number;
  error: RegExp;
  timeoutMs?: number;
}[] = [
  {
    name: '500',
    behaviour: { kind: 'status', status: 500 },
    status: 500,
    delayMs: 1500,
    error: /^HTTP 500: .*TEST_FAILURE/,
  },
  { name: '502', behaviour: { kind: 'status', status: 502 }, status: 502, delayMs: 1500, error: /^HTTP 502/ },
  { name: '503', behaviour: { kind: 'status', status: 503 }, status: 503, delayMs: 1500, error: /^HTTP 503/ },
  { name: '504', behaviour: { kind: 'status', status: 504 }, status: 504, delayMs: 1500, error: /^HTTP 504/ },
  { name: '408', behaviour: { kind: 'status', status: 408 }, status: 408, delayMs: 1500, error: /^HTTP 408/ },
  {
    name: '429 without Retry-After',
    behaviour: { kind: 'status', status: 429 },
    status: 429,
    delayMs: 1500,
    error: /^HTTP 429/,
  },
  {
    name: '429 with Retry-After seconds',
    behaviour: { kind: 'status', status: 429, retryAfter: '7' },
    status: 429,
    delayMs: 7000,
    error: /^HTTP 429/,
  },
  {
    name: 'timeout (Backend hangs past the client timeout)',
    behaviour: { kind: 'hang', store: false },
    status: null,
    delayMs: 1500,
    error: /^timeout after 300 ms$/,
    timeoutMs: 300,
  },
  {
    name: 'network error (connection refused)',
    behaviour: 'down',
    status: null,
    delayMs: 1500,
    error: /^network error: /,
  },
];

describe('retryable answers', () => {
  for (const c of retryable) {
    test(`${c.name}: pending again with backoff, then delivered once due`, async () => {
      const [id] = seedExecutions(tmp.store, 1);
      const a = agent({ timeout: c.timeoutMs });
      if (c.behaviour === 'down') await backend.down();
      else backend.behave(c.behaviour, 1);

      expect(await a.syncNow()).toEqual({ synced: 0, failed: 1, rejected: 0, pending: 1 });
      const r = row();
      expect({ ...r, last_error: undefined }).toEqual({
        status: 'pending',
        attempts: 1,
        last_status: c.status,
        last_error: undefined,
        next_attempt_at: new Date(clock.now() + c.delayMs).toISOString(),
      });
      expect(r.last_error).toMatch(c.error);
      expect(a.status().lastError).toBe(r.last_error);

      // Not due yet: nothing is sent.
      if (c.behaviour === 'down') await backend.up();
      await backend.reset();
      const before = backend.stats().deliveries;
      clock.advance(c.delayMs - 1);
      expect(await a.syncNow()).toEqual({ synced: 0, failed: 0, rejected: 0, pending: 1 });
      expect(backend.stats().deliveries).toBe(before);

      clock.advance(1);
      expect(await a.syncNow()).toEqual({ synced: 1, failed: 0, rejected: 0, pending: 0 });
      expect(backend.keys()).toEqual([id!]);
      expect(backend.stats().duplicateResults).toBe(0);
      expect(row().status).toBe('done');
    });
  }

  test('Retry-After as an HTTP date is honoured to the second', async () => {
    seedExecutions(tmp.store, 1);
    const at = new Date(clock.now() + 30_000).toUTCString();
    backend.behave({ kind: 'status', status: 503, retryAfter: at }, 1);
    await agent().syncNow();
    expect(row().next_attempt_at).toBe(new Date(clock.now() + 30_000).toISOString());
  });

  test('after a Retry-After the agent sends nothing at all until the time has passed', async () => {
    seedExecutions(tmp.store, 3);
    const a = agent();
    backend.behave({ kind: 'status', status: 429, retryAfter: '5' });
    // The first 429 pauses the rest of the batch too: one request, not three.
    expect(await a.syncNow()).toEqual({ synced: 0, failed: 1, rejected: 0, pending: 3 });
    expect(backend.stats().deliveries).toBe(1);
    await backend.reset();
    // A new result, due at once, still waits: the Backend asked the whole station to slow down.
    seedExecutions(tmp.store, 1, { start: clock.now() - 10 });
    const sent = backend.stats().deliveries;
    expect(await a.syncNow()).toEqual({ synced: 0, failed: 0, rejected: 0, pending: 4 });
    expect(backend.stats().deliveries).toBe(sent);
    clock.advance(5_000);
    expect(await a.syncNow()).toEqual({ synced: 4, failed: 0, rejected: 0, pending: 0 });
  });
});

describe('delivered answers', () => {
  test('201: done, synced_at set, the Backend holds the full ExecutionResult', async () => {
    const [id] = seedExecutions(tmp.store, 1, { steps: 2 });
    expect(await agent().syncNow()).toEqual({ synced: 1, failed: 0, rejected: 0, pending: 0 });
    expect(row()).toEqual({
      status: 'done',
      attempts: 1,
      last_status: null,
      last_error: null,
      next_attempt_at: expect.any(String),
    });
    const exec = tmp.store.getResult(id!);
    expect(exec?.syncedAt).toBe(new Date(clock.now()).toISOString());
    const body = backend.get(id!)?.body as {
      id: string;
      steps: { measurements: unknown[] }[];
      packageHash: string;
    };
    expect(body.id).toBe(id!);
    expect(body.packageHash).toBe('sha256:0f3a');
    expect(body.steps.map((s) => s.measurements.length)).toEqual([1, 1]);
  });

  test('an execution ended from outside reaches the Backend with its statusReason', async () => {
    const [id] = seedExecutions(tmp.store, 1, { steps: 2 });
    const store = tmp.store;
    store.sqlite.run('DELETE FROM sync_queue');
    store.sqlite.run("UPDATE executions SET status = 'running', completed_at = NULL");
    store.markInterrupted(
      id!,
      'failed',
      { reason: 'BATCH_CRASHED', message: 'runner crashed' },
      new Date(clock.now()),
    );
    expect(await agent().syncNow()).toEqual({ synced: 1, failed: 0, rejected: 0, pending: 0 });
    expect(backend.get(id!)?.body).toMatchObject({
      id,
      status: 'failed',
      statusReason: 'BATCH_CRASHED',
      error: 'runner crashed',
    });
  });

  test('409 (the Backend already has it): done, not sent again', async () => {
    const [id] = seedExecutions(tmp.store, 1);
    backend.behave({ kind: 'status', status: 409 }, 1);
    expect(await agent().syncNow()).toEqual({ synced: 1, failed: 0, rejected: 0, pending: 0 });
    expect(row().status).toBe('done');
    expect(tmp.store.getResult(id!)?.syncedAt).not.toBeNull();
  });
});

describe('rejected answers', () => {
  const cases: { name: string; behaviour?: Behaviour; apiKey?: string; status: number; error: RegExp }[] = [
    {
      name: '422',
      behaviour: {
        kind: 'status',
        status: 422,
        body: '{"error":{"code":"BAD_RESULT","message":"steps[3].name missing"}}',
      },
      status: 422,
      error: /^HTTP 422: .*steps\[3\]\.name missing/,
    },
    { name: '400', behaviour: { kind: 'status', status: 400 }, status: 400, error: /^HTTP 400/ },
    { name: '401 (wrong API key)', apiKey: 'wrong-key', status: 401, error: /^HTTP 401: .*UNAUTHORIZED/ },
  ];
  for (const c of cases) {
    test(`${c.name}: rejected with status and reason, not retried until asked`, async () => {
      const [id] = seedExecutions(tmp.store, 1);
      if (c.behaviour) backend.behave(c.behaviour, 1);
      const a = agent({ apiKey: c.apiKey });
      expect(await a.syncNow()).toEqual({ synced: 0, failed: 0, rejected: 1, pending: 0 });
      const r = row();
      expect(r.status).toBe('rejected');
      expect(r.last_status).toBe(c.status);
      expect(r.last_error).toMatch(c.error);
      // One refused result says nothing about the Backend; a refused key means it takes none of ours.
      const refusesStation = c.status === 401;
      const since = new Date(clock.now()).toISOString();
      expect(a.status()).toEqual({
        mode: 'online',
        backendConnected: !refusesStation,
        deliveryFailingSince: refusesStation ? since : null,
        problems: [
          ...(refusesStation ? [`deliveries failing since ${since}: ${r.last_error}`] : []),
          expect.stringMatching(/^1 result rejected by the Backend/),
        ],
        pending: 0,
        inFlight: 0,
        rejected: 1,
        oldestPendingAge: null,
        lastSuccessAt: null,
        lastError: r.last_error,
      });

      clock.advance(3_600_000);
      expect(await a.syncNow()).toEqual({ synced: 0, failed: 0, rejected: 0, pending: 0 });
      if (c.apiKey) return;
      // A person fixed the Backend and asks for a retry of rejected results.
      expect(await a.syncNow({ retryRejected: true })).toEqual({
        synced: 1,
        failed: 0,
        rejected: 0,
        pending: 0,
      });
      expect(backend.keys()).toEqual([id!]);
    });
  }
});

test('the API key never reaches the queue row, even when the Backend echoes it', async () => {
  seedExecutions(tmp.store, 1);
  backend.behave(
    { kind: 'status', status: 400, body: `bad header Authorization: Bearer ${backend.apiKey}` },
    1,
  );
  await agent().syncNow();
  expect(queueRows(tmp.store)[0]?.last_error).toBe('HTTP 400: bad header Authorization: Bearer [redacted]');
});

test('a failing Backend is not hammered: one request, a pause, one probe, then the window ramps up', async () => {
  seedExecutions(tmp.store, 10);
  backend.behave({ kind: 'status', status: 500 });
  const a = new SyncAgent({
    store: tmp.store,
    backend: settings(backend.url, backend.apiKey),
    logger: quietLogger,
    clock,
    random: () => 0.5,
    batchSize: 4,
  });
  expect(await a.syncNow()).toEqual({ synced: 0, failed: 1, rejected: 0, pending: 10 });
  expect(backend.stats().deliveries).toBe(1);
  await backend.reset();
  // Paused: nothing goes out, although nine rows are due.
  expect(await a.syncNow()).toEqual({ synced: 0, failed: 0, rejected: 0, pending: 10 });
  expect(backend.stats().deliveries).toBe(1);
  clock.advance(1_500);
  expect(await a.syncNow()).toEqual({ synced: 10, failed: 0, rejected: 0, pending: 0 });
  const after = backend.arrivals().slice(1);
  // The probe went alone; the next request left only after its answer, and the window grew by doubling.
  expect(after[0]?.inFlight).toBe(1);
  expect(after[1]!.at).toBeGreaterThanOrEqual(after[0]!.answeredAt);
  expect(Math.max(...after.slice(1, 3).map((x) => x.inFlight))).toBeLessThanOrEqual(2);
});
