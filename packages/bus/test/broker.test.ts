// The broker in process on a ManualClock: heartbeat windows, expiry and replacement happen when the test
// moves time, not when a real timer happens to fire. Workers here are raw DEALER sockets speaking SSB/1 by
// hand, so each one is silent or chatty exactly as the test says.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@station/time';
import { Dealer } from '@station/zmtp';
import { until } from '../../../tests/support/process.ts';
import { Broker, BusClient, BusError, protocol } from '../src/index.ts';

const HB = 1_000;
const LIVENESS = 5;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let dir: string;
let clock: ManualClock;
const cleanups: (() => unknown)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'station-broker-'));
  clock = new ManualClock();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function startBroker(): Promise<Broker> {
  const broker = await Broker.start({
    serviceBus: `ipc://${dir}/bus.sock`,
    eventIn: `ipc://${dir}/in.sock`,
    eventOut: `ipc://${dir}/out.sock`,
    logger: quiet,
    heartbeatMs: HB,
    liveness: LIVENESS,
    clock,
  });
  cleanups.push(() => broker.close());
  return broker;
}

/** A worker that says only what the test makes it say, and keeps what the broker sent it. */
function rawWorker(broker: Broker) {
  const socket = new Dealer();
  socket.connect(broker.endpoints.serviceBus);
  cleanups.push(() => socket.close());
  const received: protocol.BrokerToWorker[] = [];
  const pongs: string[] = [];
  let pings = 0;
  void (async () => {
    for await (const frames of socket) {
      if (protocol.dialogueOf(frames) === 'C') pongs.push(protocol.decodeClientReply(frames).requestId);
      else received.push(protocol.decodeBrokerToWorker(frames));
    }
  })().catch(() => {});
  return {
    received,
    send: (m: protocol.WorkerMessage) => socket.send(protocol.encodeWorkerMessage(m)),
    /**
     * Waits until the broker has handled everything this worker sent: it pings the broker as a client on
     * the same connection, whose messages the broker takes in order.
     */
    async settle() {
      const requestId = `ping${pings++}`;
      await socket.send(
        protocol.encodeClientRequest({
          requestId,
          service: 'broker',
          method: 'ping',
          body: protocol.encodeJson({}),
          timeoutMs: 10_000,
        }),
      );
      await until(() => pongs.includes(requestId), 'the broker to answer the ping');
    },
    /** Sends READY and waits for the broker's acknowledging heartbeat. */
    async register(service: string) {
      const before = received.length;
      await socket.send(protocol.encodeWorkerMessage({ command: 'ready', service }));
      await until(() => received.slice(before).some((m) => m.command === 'hb'), `${service} acknowledged`);
    },
    /** The requests forwarded to this worker so far. */
    requests: () => received.filter((m) => m.command === 'req'),
  };
}

function client(broker: Broker): BusClient {
  const c = new BusClient({ endpoint: broker.endpoints.serviceBus });
  cleanups.push(() => c.close());
  return c;
}

async function failure(p: Promise<unknown>): Promise<BusError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof BusError) return err;
  throw new Error(`expected a BusError, got ${String(err)}`);
}

describe('heartbeat window', () => {
  test('a silent worker is kept for liveness x heartbeat, then dropped, failing what it held', async () => {
    const broker = await startBroker();
    const worker = rawWorker(broker);
    await worker.register('supervisor');
    const held = failure(client(broker).request('supervisor', 'batch.list', {}, { timeoutMs: 60_000 }));
    await until(() => worker.requests().length === 1, 'the request to reach the worker');

    clock.advance(HB * LIVENESS); // exactly at the window's end: still alive
    expect(broker.services()).toEqual(['supervisor']);
    clock.advance(HB); // the next tick finds it past its window
    expect(broker.services()).toEqual([]);
    const err = await held;
    expect({ code: err.code, message: err.message, details: err.details }).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      message: 'supervisor went away before answering (missed heartbeats)',
      details: { service: 'supervisor' },
    });
  });

  test('a worker that keeps beating stays registered, and the broker beats it every period', async () => {
    const broker = await startBroker();
    const worker = rawWorker(broker);
    await worker.register('supervisor');
    const acks = worker.received.length;
    for (let period = 0; period < 3 * LIVENESS; period++) {
      await worker.send({ command: 'hb' });
      await worker.settle(); // the beat was heard before time moves on
      clock.advance(HB);
    }
    expect(broker.services()).toEqual(['supervisor']);
    await until(
      () => worker.received.slice(acks).filter((m) => m.command === 'hb').length === 3 * LIVENESS,
      'a heartbeat per period',
    );
  });

  test('a worker the broker dropped is told bye when it beats, and is back once it announces again', async () => {
    const broker = await startBroker();
    const worker = rawWorker(broker);
    await worker.register('supervisor');
    clock.advance(HB * (LIVENESS + 1));
    expect(broker.services()).toEqual([]);
    await worker.send({ command: 'hb' });
    await until(() => worker.received.some((m) => m.command === 'bye'), 'bye to an unknown worker');
    await worker.register('supervisor');
    expect(broker.services()).toEqual(['supervisor']);
  });
});

describe('registration', () => {
  test('a new worker for a service replaces the old one, which is told bye and loses its requests', async () => {
    const broker = await startBroker();
    const old = rawWorker(broker);
    await old.register('supervisor');
    const held = failure(client(broker).request('supervisor', 'batch.list', {}, { timeoutMs: 60_000 }));
    await until(() => old.requests().length === 1, 'the request to reach the old worker');

    const fresh = rawWorker(broker);
    await fresh.register('supervisor');
    expect((await held).message).toBe(
      'supervisor went away before answering (replaced by a new worker for supervisor)',
    );
    await until(() => old.received.some((m) => m.command === 'bye'), 'bye to the old worker');

    const next = client(broker).request('supervisor', 'batch.list', {}, { timeoutMs: 60_000 });
    await until(() => fresh.requests().length === 1, 'the next request to reach the new worker');
    const req = fresh.requests()[0];
    if (req?.command !== 'req') throw new Error('no request');
    await fresh.send({
      command: 'rep',
      clientId: req.clientId,
      requestId: req.requestId,
      status: 'ok',
      body: protocol.encodeJson([]),
    });
    expect(await next).toEqual([]);
    expect(old.requests()).toHaveLength(1);
  });

  test('broker/ping reports uptime on the broker clock and the registered services', async () => {
    const broker = await startBroker();
    await rawWorker(broker).register('sync');
    await rawWorker(broker).register('supervisor');
    clock.advance(2_500);
    expect(await client(broker).request('broker', 'ping', {})).toEqual({
      uptime: 2.5,
      services: ['supervisor', 'sync'],
    });
  });
});
