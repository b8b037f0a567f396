// The broker process's metrics on a real broker in process, with a real client and worker over ipc
// sockets: requests routed or refused by target, a slow service's queue, events forwarded, and the
// `broker` / `metrics` answer that the client checks against its schema.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, BusClient, BusError, Publisher, Subscriber, serve } from '@station/bus';
import { metricsReply } from '@station/bus/metrics-shape';
import { parseExposition, sampleValue, series } from '../../../tests/support/metrics.ts';
import { until } from '../../../tests/support/process.ts';
import { BrokerMetrics } from '../src/metrics.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let dir: string;
const cleanups: (() => unknown)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'station-broker-metrics-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function start() {
  const metrics = new BrokerMetrics(() => broker.stats(), { defaults: false });
  const broker = await Broker.start({
    serviceBus: `ipc://${dir}/bus.sock`,
    eventIn: `ipc://${dir}/in.sock`,
    eventOut: `ipc://${dir}/out.sock`,
    logger: quiet,
    observer: metrics,
    methods: { metrics: () => metricsReply(metrics.registry) },
  });
  cleanups.push(() => broker.close());
  const client = new BusClient({ endpoint: broker.endpoints.serviceBus, logger: quiet });
  cleanups.push(() => client.close());
  return { broker, metrics, client };
}

describe('broker metrics', () => {
  test('routed and refused requests by target, a slow worker queue, workers, events', async () => {
    const { broker, metrics, client } = await start();
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const worker = serve({
      endpoint: broker.endpoints.serviceBus,
      service: 'sync',
      logger: quiet,
      handlers: {
        health: () => ({ service: 'sync', pid: process.pid, uptime: 0 }),
        metrics: () => [],
        'sync.now': async () => {
          await held;
          return { synced: 0, failed: 0, rejected: 0, pending: 0 };
        },
        'sync.status': () => {
          throw new BusError('INTERNAL', 'not here');
        },
      },
    });
    cleanups.push(() => worker.close());
    expect(await worker.ready(5000)).toBe(true);

    await expect(client.request('supervisor', 'health', {}, { timeoutMs: 2000 })).rejects.toThrow();
    await expect(client.request('runner.nope', 'health', {}, { timeoutMs: 2000 })).rejects.toThrow();
    await client.request('sync', 'health', {});
    const slow = client.request('sync', 'sync.now', {}, { timeoutMs: 10_000 });
    const during = await until(async () => {
      const e = parseExposition(await metrics.registry.metrics());
      return sampleValue(e, 'station_broker_pending_requests', { target: 'sync' }) === 1 ? e : undefined;
    }, 'the slow request to be held by the worker');
    expect(sampleValue(during, 'station_broker_workers')).toBe(1);
    release();
    await slow;

    // Events are counted as they pass from a publisher to the subscribers.
    const sub = new Subscriber({ endpoint: broker.endpoints.eventOut, prefixes: [''] });
    cleanups.push(() => sub.close());
    const pub = new Publisher({ endpoint: broker.endpoints.eventIn });
    cleanups.push(() => pub.close());
    await until(async () => {
      await pub.publish({
        type: 'log',
        batch_id: 'b',
        data: { level: 'info', message: 'm', timestamp: 't' },
      });
      const e = parseExposition(await metrics.registry.metrics());
      return sampleValue(e, 'station_broker_events_total') > 0;
    }, 'an event forwarded');

    // Asked over the bus like the gateway does: the reply passes the client's schema check.
    const families = await client.request('broker', 'metrics', {});
    const requests = families.find((f) => f.name === 'station_broker_requests_total')!;
    const count = (target: string, outcome: string) =>
      requests.values.find((v) => v.labels.target === target && v.labels.outcome === outcome)?.value;
    expect(count('supervisor', 'unavailable')).toBe(1);
    // A service nobody serves is counted under its kind, not under the name the client made up.
    expect(count('runner', 'unavailable')).toBe(1);
    expect(count('runner.nope', 'unavailable')).toBeUndefined();
    expect(count('sync', 'routed')).toBe(2);
    expect(requests.values.every((v) => v.labels.service === 'broker')).toBe(true);
    const after = parseExposition(await metrics.registry.metrics());
    expect(series(after, 'station_broker_pending_requests', { target: 'sync' })[0]?.value).toBe(0);
  });
});
