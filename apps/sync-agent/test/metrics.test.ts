// The sync agent's metrics against the real test Backend over loopback: each failure class counted once,
// deliveries by outcome with their round trip and lag, and the outbox by state read from the store.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { ManualClock } from '@station/time';
import type { Behaviour } from '../../../tests/backend/behaviour.ts';
import { TestBackend } from '../../../tests/backend/server.ts';
import { parseExposition, sampleValue, series } from '../../../tests/support/metrics.ts';
import { SyncAgent } from '../src/agent.ts';
import { SyncMetrics } from '../src/metrics.ts';
import { quietLogger, seedExecutions, settings, type TempStore, tempStore } from './support.ts';

let backend: TestBackend;
let tmp: TempStore;
let clock: ManualClock;
let metrics: SyncMetrics;

beforeEach(async () => {
  backend = await TestBackend.start();
  tmp = tempStore();
  clock = new ManualClock();
  metrics = new SyncMetrics(tmp.store, clock, { defaults: false });
});
afterEach(async () => {
  await backend.stop();
  tmp.dispose();
});

function agent(timeout = 2_000) {
  return new SyncAgent({
    store: tmp.store,
    backend: settings(backend.url, backend.apiKey, { timeout, retry_base: 1000, retry_cap: 60_000 }),
    logger: quietLogger,
    clock,
    random: () => 0.5,
    metrics,
  });
}

async function scrape() {
  return parseExposition(await metrics.registry.metrics());
}

const classes: {
  name: string;
  behaviour: Behaviour | 'down';
  cls: string;
  outcome: string;
  timeout?: number;
}[] = [
  { name: '503', behaviour: { kind: 'status', status: 503 }, cls: 'server_error', outcome: 'retry' },
  { name: '429', behaviour: { kind: 'status', status: 429 }, cls: 'throttled', outcome: 'retry' },
  { name: '422', behaviour: { kind: 'status', status: 422 }, cls: 'rejected', outcome: 'rejected' },
  { name: 'connection refused', behaviour: 'down', cls: 'network', outcome: 'retry' },
  {
    name: 'no answer in time',
    behaviour: { kind: 'hang', store: false },
    cls: 'timeout',
    outcome: 'retry',
    timeout: 300,
  },
];

describe('sync metrics', () => {
  for (const c of classes) {
    test(`${c.name} counts one ${c.cls} failure and one ${c.outcome} delivery`, async () => {
      seedExecutions(tmp.store, 1);
      const a = agent(c.timeout);
      if (c.behaviour === 'down') await backend.down();
      else backend.behave(c.behaviour, 1);
      await a.syncNow();
      const m = await scrape();
      expect(series(m, 'station_sync_failures_total')).toEqual([
        { name: 'station_sync_failures_total', labels: { class: c.cls, service: 'sync' }, value: 1 },
      ]);
      expect(sampleValue(m, 'station_sync_deliveries_total', { outcome: c.outcome })).toBe(1);
      expect(sampleValue(m, 'station_sync_delivery_duration_seconds_count', { outcome: c.outcome })).toBe(1);
      // Only an accepted result has a lag.
      expect(sampleValue(m, 'station_sync_delivery_lag_seconds_count')).toBe(0);
      const state = c.outcome === 'rejected' ? 'rejected' : 'pending';
      expect(sampleValue(m, 'station_sync_queue_depth', { state })).toBe(1);
    });
  }

  test('a delivered result: synced, its lag from being queued, an empty outbox', async () => {
    const queuedAt = clock.now();
    seedExecutions(tmp.store, 2, { start: queuedAt });
    clock.advance(90_000);
    const before = await scrape();
    expect(sampleValue(before, 'station_sync_queue_depth', { state: 'pending' })).toBe(2);
    expect(sampleValue(before, 'station_sync_oldest_pending_seconds')).toBeGreaterThanOrEqual(89);

    await agent().syncNow();
    const m = await scrape();
    expect(sampleValue(m, 'station_sync_deliveries_total', { outcome: 'synced' })).toBe(2);
    expect(series(m, 'station_sync_failures_total')).toEqual([]);
    expect(sampleValue(m, 'station_sync_delivery_lag_seconds_count')).toBe(2);
    // Queued 90 s before (by the injected clock): both land in the 60..300 s bucket.
    expect(sampleValue(m, 'station_sync_delivery_lag_seconds_bucket', { le: '60' })).toBe(0);
    expect(sampleValue(m, 'station_sync_delivery_lag_seconds_bucket', { le: '300' })).toBe(2);
    expect(sampleValue(m, 'station_sync_queue_depth', { state: 'pending' })).toBe(0);
    expect(sampleValue(m, 'station_sync_oldest_pending_seconds')).toBe(0);
  });

  test('a store that cannot be read leaves the outbox gauges out of the scrape, not the scrape', async () => {
    const errors: unknown[] = [];
    const m = new SyncMetrics(tmp.store, clock, { defaults: false, onError: (err) => errors.push(err) });
    seedExecutions(tmp.store, 1);
    expect(
      sampleValue(parseExposition(await m.registry.metrics()), 'station_sync_queue_depth', {
        state: 'pending',
      }),
    ).toBe(1);
    tmp.store.close();
    const after = parseExposition(await m.registry.metrics());
    expect(series(after, 'station_sync_queue_depth')).toEqual([]);
    expect(sampleValue(after, 'station_sync_oldest_pending_seconds')).toBeNaN();
    expect(after.types.get('station_sync_deliveries_total')).toBe('counter');
    expect(errors.length).toBeGreaterThan(0);
  });
});
