// How the agent treats a Backend that pushes back, over real loopback HTTP with a running agent: after a
// 429 or a 5xx nothing more of the batch goes out, the pause is waited out, the first request after it goes
// alone, and concurrency climbs back 1 -> 2 -> 4 ... only as requests succeed. No bursts into a Backend
// that just said "not now".
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import type { Behaviour } from '../../../tests/backend/behaviour.ts';
import { type Arrival, TestBackend } from '../../../tests/backend/server.ts';
import { SyncAgent } from '../src/agent.ts';
import { quietLogger, seedExecutions, settings, type TempStore, tempStore, until } from './support.ts';

let backend: TestBackend;
let tmp: TempStore;
let agent: SyncAgent | undefined;

beforeEach(async () => {
  backend = await TestBackend.start();
  tmp = tempStore();
});
afterEach(async () => {
  await agent?.stop({ deadlineMs: 50 });
  agent = undefined;
  await backend.stop();
  tmp.dispose();
});

const ROWS = 40;
const CONCURRENCY = 8;

const CASES: { name: string; behaviour: Behaviour & { kind: 'status' }; minPauseMs: number }[] = [
  {
    name: '429 with Retry-After: 1',
    behaviour: { kind: 'status', status: 429, retryAfter: '1' },
    minPauseMs: 950,
  },
  { name: '503 without Retry-After', behaviour: { kind: 'status', status: 503 }, minPauseMs: 0 },
];

describe.each(CASES)('$name', ({ behaviour, minPauseMs }) => {
  test('two refusals are two lone requests a pause apart; then one probe and a ramp, every result once', async () => {
    seedExecutions(tmp.store, ROWS);
    backend.behave(behaviour, 2);
    agent = new SyncAgent({
      store: tmp.store,
      // retry_base 200ms keeps the 5xx case quick; sync_interval is long so only the agent's own
      // end-of-pause wake-up (not a scheduled cycle) sends the probes.
      backend: settings(backend.url, backend.apiKey, {
        sync_interval: 60_000,
        retry_base: 200,
        retry_cap: 400,
      }),
      logger: quietLogger,
      concurrency: CONCURRENCY,
      batchSize: 32,
    });
    agent.start();
    await until('every result delivered', () => backend.stats().results === ROWS, 20_000);
    const arrivals = backend.arrivals();
    const refused = arrivals.filter((a) => a.status === behaviour.status);

    // No burst: exactly the two planned refusals reached the Backend, each alone.
    expect(refused.map((a) => a.inFlight)).toEqual([1, 1]);
    // After each refusal the next request waited for the pause, and went alone (the probe).
    for (const i of [0, 1]) {
      const next = arrivals[i + 1] as Arrival;
      expect(next.at - (arrivals[i] as Arrival).answeredAt).toBeGreaterThanOrEqual(minPauseMs);
      expect(next.inFlight).toBe(1);
      expect((arrivals[i + 2] as Arrival).at).toBeGreaterThanOrEqual(next.answeredAt);
    }
    // Then the window doubles with successes: at most 2 in flight while the first two go, never past 8.
    const ramp = arrivals.slice(3);
    expect(Math.max(...ramp.slice(0, 2).map((a) => a.inFlight))).toBeLessThanOrEqual(2);
    expect(Math.max(...ramp.map((a) => a.inFlight))).toBeLessThanOrEqual(CONCURRENCY);
    expect(arrivals.length).toBe(ROWS + 2);
    expect(backend.stats()).toMatchObject({ results: ROWS, duplicateResults: 0, concurrentDeliveries: 0 });
  });
});

test('a Backend back after an outage gets the backlog at once, behind one probe, not after the backoff', async () => {
  await backend.down();
  seedExecutions(tmp.store, 20);
  agent = new SyncAgent({
    store: tmp.store,
    // A backoff far longer than the test may wait: only the Backend coming back can end this pause.
    backend: settings(backend.url, backend.apiKey, {
      sync_interval: 100,
      timeout: 1_000,
      retry_base: 60_000,
      retry_cap: 120_000,
      health_interval: 50,
    }),
    logger: quietLogger,
    concurrency: CONCURRENCY,
  });
  agent.start();
  // While the Backend is away, a delivery fails with a network error and the agent pauses.
  expect(await agent.syncNow()).toEqual({ synced: 0, failed: 1, rejected: 0, pending: 20 });
  await backend.up();
  // Every row but the one that failed (it keeps its own backoff) goes out as soon as the probe sees it back.
  await until('the backlog delivered', () => backend.stats().results === 19, 10_000);
  expect(agent.status()).toMatchObject({ pending: 1, backendConnected: true });
  const arrivals = backend.arrivals();
  expect(arrivals[0]?.inFlight).toBe(1);
  expect((arrivals[1] as Arrival).at).toBeGreaterThanOrEqual((arrivals[0] as Arrival).answeredAt);
});
