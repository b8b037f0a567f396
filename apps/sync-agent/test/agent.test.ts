// The agent as a whole over real loopback HTTP: backlog after an outage, health flips and SY-003,
// offline mode, flapping and slow Backends, a lost answer, and shutdown.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { ManualClock } from '@station/time';
import { TestBackend } from '../../../tests/backend/server.ts';
import { type BackendSettings, SyncAgent, type SyncAgentOptions } from '../src/agent.ts';
import { syncHandlers } from '../src/handlers.ts';
import {
  queueRows,
  quietLogger,
  seedExecutions,
  settings,
  type TempStore,
  tempStore,
  until,
} from './support.ts';

let backend: TestBackend;
let tmp: TempStore;
const agents: SyncAgent[] = [];

beforeEach(async () => {
  backend = await TestBackend.start();
  tmp = tempStore();
});
afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop({ deadlineMs: 100 });
  await backend.stop();
  tmp.dispose();
});

function startAgent(over: Partial<BackendSettings> = {}, opts: Partial<SyncAgentOptions> = {}): SyncAgent {
  const a = new SyncAgent({
    store: tmp.store,
    backend: settings(backend.url, backend.apiKey, over),
    logger: quietLogger,
    ...opts,
  });
  agents.push(a);
  a.start();
  return a;
}

function unsyncedExecutions(): number {
  return tmp.store.sqlite
    .query<{ n: number }, []>('SELECT count(*) AS n FROM executions WHERE synced_at IS NULL')
    .get()!.n;
}

test('500 results finished while the Backend is away all arrive once, in creation order, when it returns', async () => {
  await backend.down();
  // A scheduled cycle an hour away: only the health monitor's "Backend is back" can start this drain.
  const agent = startAgent({ sync_interval: 3_600_000, timeout: 5_000 }, { concurrency: 1, batchSize: 50 });
  await until('Backend seen as down', () => agent.status().lastError !== null);
  const ids = seedExecutions(tmp.store, 500, { steps: 2 });
  expect(agent.status()).toEqual({
    mode: 'online',
    backendConnected: false,
    deliveryFailingSince: null,
    problems: [expect.stringMatching(/^Backend unreachable: network error/)],
    pending: 500,
    inFlight: 0,
    rejected: 0,
    oldestPendingAge: expect.any(Number),
    lastSuccessAt: null,
    lastError: expect.stringMatching(/^Backend unreachable: network error/),
  });
  expect(backend.stats().deliveries).toBe(0);

  await backend.up();
  await until('every result delivered', () => backend.stats().results === 500, 30_000);
  expect(backend.keys()).toEqual(ids);
  await until('every row marked done', () => agent.status().pending + agent.status().inFlight === 0);
  expect(backend.stats()).toMatchObject({
    deliveries: 500,
    duplicates: 0,
    duplicateResults: 0,
    concurrentDeliveries: 0,
  });
  expect(unsyncedExecutions()).toBe(0);
  expect(agent.status()).toEqual({
    mode: 'online',
    backendConnected: true,
    deliveryFailingSince: null,
    problems: [],
    pending: 0,
    inFlight: 0,
    rejected: 0,
    oldestPendingAge: null,
    lastSuccessAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    lastError: null,
  });
}, 60_000);

test('backend_connected follows the Backend within a few probe intervals, both ways', async () => {
  const changes: boolean[] = [];
  const agent = startAgent(
    { health_interval: 30 },
    { onStatusChange: (s) => changes.push(s.backendConnected) },
  );
  await until('connected', () => agent.status().backendConnected);
  await backend.down();
  await until('disconnected', () => !agent.status().backendConnected, 2_000);
  await backend.up();
  await until('connected again', () => agent.status().backendConnected, 2_000);
  expect(changes).toEqual([true, false, true]);
});

test('offline mode: nothing is sent, everything is kept, status and sync.now say so', async () => {
  const agent = new SyncAgent({ store: tmp.store, backend: settings(undefined, ''), logger: quietLogger });
  agents.push(agent);
  agent.start();
  seedExecutions(tmp.store, 4);
  const handlers = syncHandlers(agent);
  expect(await handlers['sync.now']({})).toEqual({ synced: 0, failed: 0, rejected: 0, pending: 4 });
  expect(handlers['sync.status']()).toEqual({
    mode: 'offline',
    backendConnected: false,
    deliveryFailingSince: null,
    problems: [],
    pending: 4,
    inFlight: 0,
    rejected: 0,
    oldestPendingAge: expect.any(Number),
    lastSuccessAt: null,
    lastError: null,
  });
  expect(handlers.health()).toEqual({
    service: 'sync',
    pid: process.pid,
    uptime: expect.any(Number),
    logLinesDropped: 0,
  });
  expect(queueRows(tmp.store).map((r) => r.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
});

test('a flapping Backend: every result arrives, none twice as a different result', async () => {
  const ids = seedExecutions(tmp.store, 120);
  backend.flap(25);
  const agent = startAgent({
    retry_base: 5,
    retry_cap: 40,
    health_interval: 10,
    sync_interval: 10,
    timeout: 300,
  });
  await until('all delivered', () => backend.stats().results === 120, 30_000);
  await backend.reset();
  await until('all rows done', () => agent.status().pending + agent.status().inFlight === 0, 10_000);
  expect(new Set(backend.keys())).toEqual(new Set(ids));
  expect(backend.stats().duplicateResults).toBe(0);
  expect(backend.stats().concurrentDeliveries).toBe(0);
  expect(unsyncedExecutions()).toBe(0);
}, 60_000);

test('a slow Backend within the timeout: delivered with bounded concurrency, no failures', async () => {
  seedExecutions(tmp.store, 40);
  backend.behave({ kind: 'slow', delayMs: 40 });
  const agent = startAgent({ timeout: 2_000 }, { concurrency: 4, batchSize: 8 });
  const result = await agent.syncNow();
  expect(result).toEqual({ synced: 40, failed: 0, rejected: 0, pending: 0 });
  expect(backend.stats()).toMatchObject({ results: 40, deliveries: 40, failed: 0 });
});

test('a lost answer (stored, then the client timed out): re-sent with the same key, one result', async () => {
  const [id] = seedExecutions(tmp.store, 1);
  const clock = new ManualClock();
  const agent = new SyncAgent({
    store: tmp.store,
    backend: settings(backend.url, backend.apiKey, { timeout: 400 }),
    logger: quietLogger,
    clock,
    random: () => 0,
  });
  agents.push(agent);
  backend.behave({ kind: 'hang', store: true }, 1);
  expect(await agent.syncNow()).toEqual({ synced: 0, failed: 1, rejected: 0, pending: 1 });
  clock.advance(1_000);
  expect(await agent.syncNow()).toEqual({ synced: 1, failed: 0, rejected: 0, pending: 0 });
  expect(backend.get(id!)?.deliveries).toBe(2);
  expect(backend.stats()).toMatchObject({ results: 1, duplicates: 1, duplicateResults: 0 });
});

test('stop: requests past the deadline are aborted and their rows released, none lost', async () => {
  const ids = seedExecutions(tmp.store, 6);
  backend.behave({ kind: 'slow', delayMs: 400 });
  const agent = startAgent({ timeout: 5_000 }, { concurrency: 2, batchSize: 6 });
  const run = agent.syncNow();
  // A fresh agent starts with one request in flight (it ramps up only after successes).
  await until('a request in flight', () => backend.stats().deliveries >= 1);
  await agent.stop({ deadlineMs: 50 });
  await run;
  expect(agent.status()).toMatchObject({ pending: 6, inFlight: 0 });
  expect(queueRows(tmp.store).every((r) => r.status === 'pending')).toBe(true);
  await expect(agent.syncNow()).rejects.toMatchObject({ name: 'SyncError', code: 'STOPPED' });

  // Another agent (a restart) sends them all; aborted sends the Backend kept come back as 409s.
  await backend.reset();
  const next = startAgent();
  expect(await next.syncNow()).toEqual({ synced: 6, failed: 0, rejected: 0, pending: 0 });
  expect(new Set(backend.keys())).toEqual(new Set(ids));
  expect(backend.stats().duplicateResults).toBe(0);
});

test('stop: requests that finish within the deadline are recorded, not released', async () => {
  seedExecutions(tmp.store, 2);
  backend.behave({ kind: 'slow', delayMs: 100 });
  const agent = startAgent({ timeout: 5_000 }, { concurrency: 2 });
  const run = agent.syncNow();
  await until('requests in flight', () => backend.stats().deliveries === 2);
  await agent.stop({ deadlineMs: 5_000 });
  expect(await run).toEqual({ synced: 2, failed: 0, rejected: 0, pending: 0 });
  expect(queueRows(tmp.store).map((r) => r.status)).toEqual(['done', 'done']);
});

test('stop flushes what is still queued to a Backend that answers (backend.shutdown_flush)', async () => {
  // No scheduled cycle in this test: only the stop can send what is queued below.
  const agent = startAgent({ sync_interval: 3_600_000, shutdown_flush: 5_000 });
  await until('the Backend seen as connected', () => agent.status().backendConnected);
  const ids = seedExecutions(tmp.store, 5);
  expect(agent.status().pending).toBe(5);
  await agent.stop();
  expect(backend.keys().sort()).toEqual([...ids].sort());
  expect(queueRows(tmp.store).map((r) => r.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
  expect(unsyncedExecutions()).toBe(0);
});

test('stop ends within backend.shutdown_flush when the Backend hangs, and loses nothing', async () => {
  const agent = startAgent({ sync_interval: 3_600_000, shutdown_flush: 300, timeout: 5_000 });
  await until('the Backend seen as connected', () => agent.status().backendConnected);
  const ids = seedExecutions(tmp.store, 3);
  backend.behave({ kind: 'hang', store: false });
  const t0 = performance.now();
  await agent.stop();
  // The bound is 300 ms; a generous margin for a busy machine, far below the 5 s request timeout.
  expect(performance.now() - t0).toBeLessThan(3_000);
  expect(queueRows(tmp.store).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
  expect(unsyncedExecutions()).toBe(3);

  // The next agent sends them once the Backend answers again.
  await backend.reset();
  const next = startAgent();
  expect(await next.syncNow()).toEqual({ synced: 3, failed: 0, rejected: 0, pending: 0 });
  expect(new Set(backend.keys())).toEqual(new Set(ids));
});

test('delivered queue rows are forgotten after their keep time; the executions keep synced_at', async () => {
  const clock = new ManualClock();
  const ids = seedExecutions(tmp.store, 5);
  const agent = startAgent({}, { clock, keepSyncedMs: 24 * 3600_000 });
  expect(await agent.syncNow()).toEqual({ synced: 5, failed: 0, rejected: 0, pending: 0 });
  expect(queueRows(tmp.store).map((r) => r.status)).toEqual(['done', 'done', 'done', 'done', 'done']);

  // Within the keep time nothing goes; a day and an hour later the delivered rows are deleted.
  clock.advance(3600_000);
  await agent.syncNow();
  expect(queueRows(tmp.store)).toHaveLength(5);
  clock.advance(24 * 3600_000);
  await agent.syncNow();
  expect(queueRows(tmp.store)).toEqual([]);
  expect(unsyncedExecutions()).toBe(0);
  expect(backend.keys().sort()).toEqual([...ids].sort());
});
