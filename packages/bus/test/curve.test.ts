// The broker's CURVE endpoints for batch hosts: local parties stay on NULL unix sockets, remote ones
// connect over tcp with keys, both share one routing table and one event stream, and a client whose key
// is not authorized never gets in (and the broker logs why).
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curveKeyPair } from '@station/zmtp';
import { until } from '../../../tests/support/process.ts';
import {
  Broker,
  BusClient,
  type Handlers,
  Publisher,
  type ReceivedEvent,
  Subscriber,
  serve,
} from '../src/index.ts';

setDefaultTimeout(30_000);

const station = curveKeyPair();
const host = curveKeyPair();
const stranger = curveKeyPair();
const asHost = { serverKey: station.publicKey, ...host };

let dir: string;
const cleanups: (() => unknown)[] = [];
const warnings: { fields: Record<string, unknown>; message: string }[] = [];
const logger = {
  debug() {},
  info() {},
  warn: (fields: object, message?: string) =>
    warnings.push({ fields: fields as Record<string, unknown>, message: message ?? '' }),
  error() {},
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'station-bus-curve-'));
  warnings.length = 0;
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

function track<T extends { close(): unknown }>(x: T): T {
  cleanups.push(() => x.close());
  return x;
}

async function startBroker(): Promise<Broker> {
  const broker = await Broker.start({
    serviceBus: `ipc://${dir}/bus.sock`,
    eventIn: `ipc://${dir}/in.sock`,
    eventOut: `ipc://${dir}/out.sock`,
    remote: {
      serviceBus: 'tcp://127.0.0.1:0',
      eventIn: 'tcp://127.0.0.1:0',
      eventOut: 'tcp://127.0.0.1:0',
      curve: { server: true, ...station, authorize: (key) => key === host.publicKey },
    },
    logger,
    heartbeatMs: 200,
  });
  return track(broker);
}

test('a worker on the CURVE endpoint serves a local client; local events reach a remote subscriber', async () => {
  const broker = await startBroker();
  const remote = broker.remoteEndpoints!;
  expect(remote.serviceBus).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
  // Only the methods this test calls.
  const handlers: Partial<Handlers<'supervisor'>> = {
    health: () => ({ service: 'supervisor', pid: process.pid, uptime: 1 }),
    metrics: () => [],
    'batch.list': () => [{ id: 'remote_1', name: 'On the rack PC', status: 'idle' as const }],
  };
  const worker = serve({
    endpoint: remote.serviceBus,
    service: 'supervisor',
    curve: asHost,
    heartbeatMs: 200,
    handlers: handlers as Handlers<'supervisor'>,
  });
  cleanups.push(() => worker.close());
  expect(await worker.ready(10_000)).toBe(true);
  const client = track(new BusClient({ endpoint: broker.endpoints.serviceBus, timeoutMs: 10_000 }));
  expect(await client.request('supervisor', 'batch.list', {})).toEqual([
    { id: 'remote_1', name: 'On the rack PC', status: 'idle' },
  ]);

  // Events: published locally (NULL), received on the host (CURVE); and the other way round.
  const hostSide = track(new Subscriber({ endpoint: remote.eventOut, prefixes: ['batch.'], curve: asHost }));
  const localPub = track(new Publisher({ endpoint: broker.endpoints.eventIn }));
  const event = {
    type: 'step_start',
    batch_id: 'remote_1',
    data: { step: 'a', index: 0, total: 1 },
  } as const;
  const received: ReceivedEvent[] = [];
  void (async () => {
    for await (const e of hostSide) received.push(e);
  })();
  await until(
    () => {
      void localPub.publish(event);
      return received.length > 0;
    },
    'a local event to reach the CURVE subscriber',
    10_000,
    50,
  );
  expect(received[0]?.event).toEqual(event);
  const hostPub = track(new Publisher({ endpoint: remote.eventIn, curve: asHost }));
  const localSub = track(
    new Subscriber({ endpoint: broker.endpoints.eventOut, prefixes: ['batch.remote_1.'] }),
  );
  const local: ReceivedEvent[] = [];
  void (async () => {
    for await (const e of localSub) local.push(e);
  })();
  await until(
    () => {
      void hostPub.publish(event);
      return local.length > 0;
    },
    'a host event to reach a local subscriber',
    10_000,
    50,
  );
  expect(local[0]?.event).toEqual(event);
});

test('an unauthorized key and a NULL client are refused on the CURVE endpoint, and the broker logs why', async () => {
  const broker = await startBroker();
  const remote = broker.remoteEndpoints!;
  const intruder = track(
    new BusClient({
      endpoint: remote.serviceBus,
      timeoutMs: 300,
      curve: { serverKey: station.publicKey, ...stranger },
    }),
  );
  const plain = track(new BusClient({ endpoint: remote.serviceBus, timeoutMs: 300 }));
  await until(
    () => warnings.filter((w) => w.message === 'broker: a connection was refused').length >= 2,
    'both refusals to be logged',
    10_000,
  );
  const codes = warnings.map((w) => w.fields.code);
  expect(codes).toContain('AUTH_FAILED');
  expect(codes).toContain('BAD_MECHANISM');
  const auth = warnings.find((w) => w.fields.code === 'AUTH_FAILED');
  expect(String(auth?.fields.err)).toContain(stranger.publicKey);
  expect(intruder.connected).toBe(false);
  expect(plain.connected).toBe(false);
  await expect(intruder.request('broker', 'ping', {})).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  // A local client on the NULL unix socket is unaffected.
  const local = track(new BusClient({ endpoint: broker.endpoints.serviceBus, timeoutMs: 10_000 }));
  await until(() => local.connected, 'the local client to connect', 10_000);
});
