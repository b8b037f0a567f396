// /ws over a real socket: subscriptions, snapshots, bad input, slow clients, auth and shutdown.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { BusError } from '@station/bus/errors';
import type { StationEvent } from '@station/model';
import { syncStatus } from '../../../tests/support/fake-station.ts';
import { metricValue } from '../../../tests/support/metrics.ts';
import { spawnFixture, until } from '../../../tests/support/process.ts';
import { listen, type RunningGateway } from '../src/server.ts';
import { Hub, type WsPeer } from '../src/ws/hub.ts';
import { type Harness, type HarnessOptions, harness, PushEvents } from './support.ts';
import { connect, type TestClient, type WsMessage } from './ws-client.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const MID_RUN = {
  sequenceRunning: true,
  executionId: 'exec_1',
  totalSteps: 2,
  currentStep: 'measure',
  stepIndex: 1,
  progress: 0.5,
};
let h: Harness;
let events: PushEvents;
let server: RunningGateway;
let clients: TestClient[];

async function start(opts: HarnessOptions = {}): Promise<void> {
  h = await harness(opts);
  events = new PushEvents();
  h.bus.on('supervisor', 'batch.list', () => [
    { id: 'batch_1', name: 'Slot 1', status: 'running', pid: 11, ...MID_RUN },
    { id: 'batch_2', name: 'Slot 2', status: 'idle' },
  ]);
  server = listen(h.gw, { hostname: '127.0.0.1', port: 0, events, log: quiet });
}

async function client(query = ''): Promise<TestClient> {
  const c = await connect(`ws://127.0.0.1:${server.port}/ws${query}`);
  clients.push(c);
  return c;
}

async function subscribed(c: TestClient, ids: string[]): Promise<void> {
  c.send({ type: 'subscribe', batch_ids: ids });
  await c.next((m) => m.type === 'subscribed', 'subscribed ack');
}

const step = (batch: string, index: number): StationEvent => ({
  type: 'step_start',
  batch_id: batch,
  data: { step: `s${index}`, index, total: 5 },
});

beforeEach(() => {
  clients = [];
});
afterEach(async () => {
  for (const c of clients) await c[Symbol.asyncDispose]();
  await server?.stop(2000);
  await h?.[Symbol.asyncDispose]();
});

describe('subscriptions', () => {
  /** Pushes a log event with `text` to batch_1 and waits until `c` has it: everything before has arrived. */
  async function mark(c: TestClient, text: string): Promise<void> {
    events.push({
      type: 'log',
      batch_id: 'batch_1',
      data: { level: 'info', message: text, timestamp: '2026-01-01T12:00:00Z' },
    });
    await c.next((m) => m.type === 'log' && (m.data as { message?: string }).message === text, text);
  }
  const ackOf = (m: WsMessage) => (m.data as { batch_ids: string[] }).batch_ids;
  const steps = (c: TestClient) =>
    c.messages
      .filter((m) => m.type === 'step_start')
      .map((m) => `${m.batch_id}/${(m.data as { index: number }).index}`);

  test('a client subscribed to "*" and to one batch gets each of its events once', async () => {
    await start();
    const c = await client();
    await subscribed(c, ['*']);
    c.send({ type: 'subscribe', batch_ids: ['batch_1'] });
    await c.next((m) => m.type === 'subscribed' && ackOf(m).length === 2, 'the second ack');
    events.push(step('batch_1', 0));
    events.push(step('batch_2', 1));
    await mark(c, 'end');
    expect(steps(c)).toEqual(['batch_1/0', 'batch_2/1']);
    expect(c.messages.filter((m) => m.type === 'log')).toHaveLength(1);
  });

  test('an event that arrives while a second subscription is snapshotted comes once, after it', async () => {
    await start();
    // The hub alone, with peers that join topics as Bun's sockets do and a snapshot held at a gate.
    const topics = new Map<string, Set<TopicPeer>>();
    class TopicPeer implements WsPeer {
      readonly got: string[] = [];
      send(text: string): number {
        this.got.push(text);
        return text.length;
      }
      getBufferedAmount(): number {
        return 0;
      }
      close(): void {}
      subscribe(topic: string): void {
        topics.set(topic, (topics.get(topic) ?? new Set()).add(this));
      }
      unsubscribe(topic: string): void {
        topics.get(topic)?.delete(this);
      }
    }
    let gate = Promise.resolve();
    const hub = new Hub({
      limits: { maxMessageBytes: 4096, maxBufferedBytes: 1 << 20, maxSubscriptions: 10 },
      metrics: h.gw.metrics,
      log: quiet,
      snapshot: async () => {
        await gate;
        return [];
      },
      broadcast: (topic, text) => {
        for (const peer of topics.get(topic) ?? []) peer.send(text);
      },
    });
    const peer = new TopicPeer();
    const other = new TopicPeer(); // keeps batch_1's broadcast going while `peer` is held
    for (const p of [peer, other]) {
      hub.open(p);
      await hub.message(p, JSON.stringify({ type: 'subscribe', batch_ids: ['batch_1'] }));
    }
    hub.publish(step('batch_1', 0));
    const held = Promise.withResolvers<void>();
    gate = held.promise;
    const second = hub.message(peer, JSON.stringify({ type: 'subscribe', batch_ids: ['batch_2'] }));
    hub.publish(step('batch_1', 1));
    held.resolve();
    await second;
    hub.publish(step('batch_1', 2));
    hub.publish(step('batch_2', 3));
    const got = peer.got.map((t) => JSON.parse(t) as WsMessage).filter((m) => m.type === 'step_start');
    expect(got.map((m) => `${m.batch_id}/${(m.data as { index: number }).index}`)).toEqual([
      'batch_1/0',
      'batch_1/1',
      'batch_1/2',
      'batch_2/3',
    ]);
  });

  test('leaving "*" keeps the batches subscribed by id', async () => {
    await start();
    const c = await client();
    await subscribed(c, ['*', 'batch_1']);
    c.send({ type: 'unsubscribe', batch_ids: ['*'] });
    await c.next((m) => m.type === 'unsubscribed', 'unsubscribed ack');
    events.push(step('batch_2', 0));
    events.push(step('batch_1', 1));
    const sync: StationEvent = {
      type: 'sync_status',
      data: syncStatus(),
    };
    events.push(sync);
    await mark(c, 'end');
    expect(steps(c)).toEqual(['batch_1/1']);
    expect(c.messages.filter((m) => m.type === 'sync_status')).toHaveLength(1);
  });

  test('subscribe: a batch_status snapshot of each subscribed batch, then an ack', async () => {
    await start();
    const c = await client();
    await subscribed(c, ['batch_1']);
    expect(c.messages).toEqual([
      {
        type: 'batch_status',
        batch_id: 'batch_1',
        data: { id: 'batch_1', name: 'Slot 1', status: 'running', pid: 11, ...MID_RUN, dut: null },
      },
      { type: 'subscribed', data: { batch_ids: ['batch_1'] } },
    ]);
  });

  test('a client gets only the events of the batches it subscribed to, unchanged', async () => {
    await start();
    const one = await client();
    const all = await client();
    await subscribed(one, ['batch_1']);
    await subscribed(all, ['*']);
    events.push(step('batch_2', 0));
    events.push(step('batch_1', 1));
    events.push({
      type: 'log',
      batch_id: 'batch_1',
      data: { level: 'info', message: 'Measuring voltage...', timestamp: '2026-01-01T12:00:00Z' },
    });
    await one.next((m) => m.type === 'log', 'log event');
    await all.next((m) => m.type === 'log', 'log event');
    const live = (c: TestClient) => c.messages.filter((m) => m.type === 'step_start' || m.type === 'log');
    expect(live(one)).toEqual([
      step('batch_1', 1),
      {
        type: 'log',
        batch_id: 'batch_1',
        data: { level: 'info', message: 'Measuring voltage...', timestamp: '2026-01-01T12:00:00Z' },
      },
    ] as WsMessage[]);
    expect(live(all).map((m) => m.batch_id)).toEqual(['batch_2', 'batch_1', 'batch_1']);
    expect(await metricValue(h.gw.metrics.wsMessages, { type: 'step_start' })).toBe(3);
    // "*" snapshots every batch.
    expect(all.messages.filter((m) => m.type === 'batch_status').map((m) => m.batch_id)).toEqual([
      'batch_1',
      'batch_2',
    ]);
  });

  test('a ping is answered with a pong at once, subscribed or not, with the gateway clock', async () => {
    await start();
    const c = await client();
    c.send({ type: 'ping' });
    const first = await c.next((m) => m.type === 'pong', 'pong before subscribing');
    expect(first).toEqual({ type: 'pong', data: { at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } });
    await subscribed(c, ['batch_1']);
    c.send({ type: 'ping' });
    await c.next(() => c.messages.filter((m) => m.type === 'pong').length === 2, 'pong after subscribing');
    const own = c.messages.filter((m) => m.type === 'pong' || m.type === 'subscribed');
    expect(own.map((m) => m.type)).toEqual(['pong', 'subscribed', 'pong']);
  });

  test('unsubscribe stops the events of that batch', async () => {
    await start();
    const c = await client();
    await subscribed(c, ['batch_1', 'batch_2']);
    c.send({ type: 'unsubscribe', batch_ids: ['batch_1'] });
    await c.next((m) => m.type === 'unsubscribed', 'unsubscribed ack');
    events.push(step('batch_1', 0));
    events.push(step('batch_2', 1));
    await c.next((m) => m.type === 'step_start', 'batch_2 event');
    expect(c.messages.filter((m) => m.type === 'step_start')).toEqual([step('batch_2', 1)] as WsMessage[]);
    expect(c.messages.find((m) => m.type === 'unsubscribed')).toEqual({
      type: 'unsubscribed',
      data: { batch_ids: ['batch_2'] },
    });
  });

  test('station-wide events (sync_status) reach every client with a subscription', async () => {
    await start();
    const subscribedClient = await client();
    const idleClient = await client();
    await subscribed(subscribedClient, ['batch_2']);
    const sync: StationEvent = {
      type: 'sync_status',
      data: syncStatus({ mode: 'online', backendConnected: true }),
    };
    events.push(sync);
    events.push(step('batch_2', 0));
    await subscribedClient.next((m) => m.type === 'step_start', 'the batch event after it');
    expect(subscribedClient.messages.filter((m) => m.type === 'sync_status')).toEqual([sync] as WsMessage[]);
    expect(idleClient.messages).toEqual([]);
  });

  test('without a supervisor: an error message, and the subscription still works', async () => {
    await start();
    h.bus.on('supervisor', 'batch.list', () => {
      throw new BusError('SERVICE_UNAVAILABLE', 'no live worker for supervisor');
    });
    const c = await client();
    await subscribed(c, ['batch_1']);
    events.push(step('batch_1', 0));
    await c.next((m) => m.type === 'step_start', 'event');
    expect(c.messages.map((m) => m.type)).toEqual(['error', 'subscribed', 'step_start']);
    expect(c.messages[0]).toEqual({
      type: 'error',
      batch_id: null,
      data: {
        code: 'SNAPSHOT_UNAVAILABLE',
        message: 'no batch status snapshot: no live worker for supervisor',
      },
    });
  });

  test('events that arrive while the snapshot is fetched come after it', async () => {
    await start();
    const gate = Promise.withResolvers<void>();
    h.bus.on('supervisor', 'batch.list', async () => {
      await gate.promise;
      return [{ id: 'batch_1', name: 'Slot 1', status: 'running' }];
    });
    const c = await client();
    c.send({ type: 'subscribe', batch_ids: ['batch_1'] });
    await until(() => h.bus.calls.some((x) => x.method === 'batch.list'), 'the snapshot request');
    events.push(step('batch_1', 3));
    await until(
      async () => (await metricValue(h.gw.metrics.events, { type: 'step_start' })) === 1,
      'the event to reach the hub',
    );
    gate.resolve();
    await c.next((m) => m.type === 'step_start', 'held event');
    expect(c.messages.map((m) => m.type)).toEqual(['batch_status', 'subscribed', 'step_start']);
  });
});

describe('bad input', () => {
  test.each([
    ['not JSON', '{"type": "subscribe", ', 'BAD_JSON'],
    ['a JSON array', '[1,2]', 'BAD_MESSAGE'],
    ['a number', '42', 'BAD_MESSAGE'],
    ['an unknown type', { type: 'hello' }, 'UNKNOWN_TYPE'],
    ['no batch_ids', { type: 'subscribe' }, 'BAD_MESSAGE'],
    ['an empty batch_ids', { type: 'subscribe', batch_ids: [] }, 'BAD_MESSAGE'],
    ['an invalid id', { type: 'subscribe', batch_ids: ['../x'] }, 'BAD_MESSAGE'],
    ['a non-string id', { type: 'subscribe', batch_ids: [7] }, 'BAD_MESSAGE'],
    [
      'too many ids',
      { type: 'subscribe', batch_ids: Array.from({ length: 300 }, (_, i) => `b${i}`) },
      'TOO_MANY_SUBSCRIPTIONS',
    ],
    [
      'an oversized message',
      { type: 'subscribe', batch_ids: ['batch_1'], pad: 'x'.repeat(20_000) },
      'MESSAGE_TOO_LARGE',
    ],
  ])('%s gets an error message and the connection stays usable', async (_, input, code) => {
    await start();
    const c = await client();
    c.send(input);
    const err = await c.next((m) => m.type === 'error', 'error message');
    expect(err).toMatchObject({ type: 'error', batch_id: null, data: { code } });
    await subscribed(c, ['batch_2']);
    expect(await metricValue(h.gw.metrics.wsErrors, { code })).toBe(1);
  });

  test('a binary frame gets an error message', async () => {
    await start();
    const c = await client();
    c.ws.send(new Uint8Array([1, 2, 3]));
    expect(await c.next((m) => m.type === 'error', 'error message')).toMatchObject({
      data: { code: 'BAD_MESSAGE' },
    });
  });

  test('a frame past the hard limit closes only that connection (1009)', async () => {
    await start();
    const other = await client();
    const c = await client();
    c.send('x'.repeat(200_000));
    expect((await c.closed).code).toBe(1009);
    await subscribed(other, ['batch_1']);
  });
});

describe('slow clients', () => {
  test('a client that stops reading is dropped; the others get every event', async () => {
    await start({ deps: { ws: { maxBufferedBytes: 256 * 1024 } } });
    await using slow = spawnFixture(join(import.meta.dir, 'slow-client-fixture.ts'), [
      `ws://127.0.0.1:${server.port}/ws`,
    ]);
    await slow.waitFor('READY');
    const fast = await client();
    await subscribed(fast, ['*']);
    slow.proc.kill('SIGSTOP');
    try {
      const message = 'x'.repeat(40_000);
      const total = 400; // ~16 MB: more than the kernel's socket buffers hold for a stopped reader
      const logs = () => fast.messages.filter((m) => m.type === 'log').length;
      // In bursts of 4 (160 KB, under the limit), each released once the reading client has the last
      // one: the reading client is never made to wait for the frozen one.
      for (let i = 0; i < total; i += 4) {
        for (let j = i; j < i + 4; j++) {
          events.push({
            type: 'log',
            batch_id: 'batch_1',
            data: { level: 'info', message: `${j}:${message}`, timestamp: 't' },
          });
        }
        await until(() => logs() === i + 4, `event ${i + 3} at the reading client`, 10_000, 1);
      }
      await until(
        async () => (await metricValue(h.gw.metrics.wsDropped, { reason: 'slow' })) === 1,
        'the slow client to be dropped',
        10_000,
      );
      expect(logs()).toBe(total);
      expect(await metricValue(h.gw.metrics.wsDropped, { reason: 'slow' })).toBe(1);
      expect(h.gw.hub.size).toBe(1);
    } finally {
      slow.proc.kill('SIGCONT');
    }
  }, 40_000);
});

describe('slow clients, the hub alone', () => {
  test('a stalled peer in a topic is dropped before a broadcast takes it past the limit; buffers are not read per event', async () => {
    await start();
    const LIMIT = 64 * 1024;
    const topics = new Map<string, Set<BufferPeer>>();
    let reads = 0;
    /** A socket whose unsent bytes grow with each broadcast while it is stalled; a reading one keeps none. */
    class BufferPeer implements WsPeer {
      buffered = 0;
      most = 0;
      closedWith: number | undefined;
      constructor(readonly stalled: boolean) {}
      send(text: string): number {
        return text.length;
      }
      receive(text: string): void {
        if (this.closedWith !== undefined || !this.stalled) return;
        this.buffered += text.length;
        this.most = Math.max(this.most, this.buffered);
      }
      getBufferedAmount(): number {
        reads++;
        return this.buffered;
      }
      close(code?: number): void {
        this.closedWith = code;
      }
      subscribe(topic: string): void {
        topics.set(topic, (topics.get(topic) ?? new Set()).add(this));
      }
      unsubscribe(topic: string): void {
        topics.get(topic)?.delete(this);
      }
    }
    const hub = new Hub({
      limits: { maxMessageBytes: 4096, maxBufferedBytes: LIMIT, maxSubscriptions: 10 },
      metrics: h.gw.metrics,
      log: quiet,
      snapshot: async () => [],
      broadcast: (topic, text) => {
        for (const peer of topics.get(topic) ?? []) peer.receive(text);
      },
    });
    const readers = Array.from({ length: 20 }, () => new BufferPeer(false));
    const stalled = new BufferPeer(true);
    for (const p of [...readers, stalled]) {
      hub.open(p);
      await hub.message(p, JSON.stringify({ type: 'subscribe', batch_ids: ['*'] }));
    }
    reads = 0;
    // Twice the limit in all: the stalled peer must go on the way.
    const events = Math.ceil((2 * LIMIT) / JSON.stringify(step('batch_1', 0)).length);
    for (let i = 0; i < events; i++) hub.publish(step(`batch_${(i % 5) + 1}`, i));
    expect(stalled.closedWith).toBe(1008);
    expect(stalled.most).toBeLessThanOrEqual(LIMIT);
    expect(readers.every((p) => p.closedWith === undefined)).toBe(true);
    expect(hub.size).toBe(readers.length);
    // Read when the room since the last reading is spent, not for every client on every event.
    expect(reads).toBeLessThan((events * (readers.length + 1)) / 10);
  });
});

describe('auth', () => {
  const AUTH_YAML = `
station: { id: station-t }
server: { auth: { enabled: true, api_keys: ["ws-key"] } }
paths: { data_dir: ./data, sequences_dir: ./sequences }
`;

  test('the upgrade needs a key; the api_key query parameter is accepted for /ws', async () => {
    await start({ yaml: AUTH_YAML });
    const refused = await fetch(`http://127.0.0.1:${server.port}/ws`, {
      headers: { upgrade: 'websocket', connection: 'upgrade' },
    });
    expect(refused.status).toBe(401);
    await expect(connect(`ws://127.0.0.1:${server.port}/ws?api_key=wrong`)).rejects.toThrow();
    const c = await client('?api_key=ws-key');
    await subscribed(c, ['batch_1']);
  });
});

describe('shutdown', () => {
  test('stop() lets a request in flight finish and refuses new connections', async () => {
    await start();
    const gate = Promise.withResolvers<void>();
    h.bus.on('supervisor', 'batch.get', async () => {
      await gate.promise;
      return {
        id: 'batch_1',
        name: 'Slot 1',
        status: 'idle',
        sequencePackage: 'p',
        autoStart: false,
        hardware: {},
        parameters: {},
        manualCommands: [],
        restarts: 0,
      };
    });
    const port = server.port;
    const inFlight = fetch(`http://127.0.0.1:${port}/api/batches/batch_1`);
    await until(() => h.bus.calls.some((c) => c.method === 'batch.get'), 'the request to reach the bus');
    const stopped = server.stop(5000);
    await expect(fetch(`http://127.0.0.1:${port}/api/system/info`)).rejects.toThrow();
    gate.resolve();
    const res = await inFlight;
    expect([res.status, ((await res.json()) as { id: string }).id]).toEqual([200, 'batch_1']);
    await stopped;
  });

  test('stop() closes clients with 1001 going away and stops listening', async () => {
    await start();
    const c = await client();
    await subscribed(c, ['batch_1']);
    const port = server.port;
    await server.stop(2000);
    expect(await c.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    await expect(fetch(`http://127.0.0.1:${port}/api/system/info`)).rejects.toThrow();
  });
});
