// The bus through a real broker process: requests, errors, liveness, broker restarts and events.
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer, Pub } from '@station/zmtp';
import { syncStatus } from '../../../tests/support/fake-station.ts';
import { type FixtureProcess, spawnFixture, until } from '../../../tests/support/process.ts';
import { BusClient, BusError, Publisher, type ReceivedEvent, Subscriber } from '../src/index.ts';

// Real processes on a shared 2-core machine: allow more than bun's 5 s default per test.
setDefaultTimeout(30_000);

const BROKER = join(import.meta.dir, 'broker-fixture.ts');
const WORKER = join(import.meta.dir, 'worker-fixture.ts');
const HB = 100; // broker and worker heartbeat period in these tests (ms)

interface Endpoints {
  serviceBus: string;
  eventIn: string;
  eventOut: string;
}

let dir: string;
const cleanups: (() => unknown)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'station-bus-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

function track<T extends { close(): unknown } | FixtureProcess>(x: T): T {
  cleanups.push(() => ('kill' in x ? x.kill() : x.close()));
  return x;
}

async function startBroker(
  transport: 'tcp' | 'ipc',
  fixed?: Endpoints,
  liveness = 5,
): Promise<{ proc: FixtureProcess; ep: Endpoints }> {
  const ep = fixed ?? {
    serviceBus: transport === 'ipc' ? `ipc://${dir}/bus.sock` : 'tcp://127.0.0.1:0',
    eventIn: transport === 'ipc' ? `ipc://${dir}/in.sock` : 'tcp://127.0.0.1:0',
    eventOut: transport === 'ipc' ? `ipc://${dir}/out.sock` : 'tcp://127.0.0.1:0',
  };
  const proc = track(
    spawnFixture(BROKER, [ep.serviceBus, ep.eventIn, ep.eventOut, String(HB), String(liveness)]),
  );
  const line = await proc.waitFor(/^READY /);
  return { proc, ep: JSON.parse(line.slice(6)) as Endpoints };
}

async function startWorker(ep: Endpoints): Promise<FixtureProcess> {
  const proc = track(spawnFixture(WORKER, [ep.serviceBus, String(HB)]));
  await proc.waitFor(/^READY /);
  return proc;
}

async function rejection(p: Promise<unknown>): Promise<BusError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BusError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe.each(['tcp', 'ipc'] as const)('requests through the broker (%s)', (transport) => {
  test('a request reaches the worker and its reply comes back validated', async () => {
    const { ep } = await startBroker(transport);
    const worker = await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    expect(await client.request('supervisor', 'batch.start', { batchId: 'batch_1' })).toEqual({
      status: 'running',
      pid: worker.pid,
    });
    expect(await client.request('supervisor', 'batch.list', {})).toEqual([
      { id: 'batch_1', name: 'Slot 1', status: 'idle' },
    ]);
  });

  test('200 concurrent requests from 4 clients each get their own reply', async () => {
    const { ep } = await startBroker(transport);
    await startWorker(ep);
    const clients = [0, 1, 2, 3].map(() => track(new BusClient({ endpoint: ep.serviceBus })));
    const calls = Array.from({ length: 200 }, (_, i) => {
      const client = clients[i % clients.length]!;
      return client.request('supervisor', 'batch.get', { batchId: `b${i}` }).then((r) => [i, r.id, r.name]);
    });
    const results = await Promise.all(calls);
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => [i, `b${i}`, `name of b${i}`]));
  });
});

describe('errors', () => {
  test('a service nobody serves is answered at once with SERVICE_UNAVAILABLE', async () => {
    const { ep } = await startBroker('ipc');
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    const t0 = performance.now();
    const err = await rejection(client.request('runner.batch_9', 'status', {}, { timeoutMs: 5000 }));
    expect(performance.now() - t0).toBeLessThan(2000); // far below the 5 s deadline: answered, not timed out
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(err.message).toBe('no live worker serves runner.batch_9');
    expect(err.details).toEqual({ service: 'runner.batch_9', available: [] });
  });

  test('typed handler errors keep code, message and details; other throws become INTERNAL', async () => {
    const { ep } = await startBroker('ipc');
    const worker = await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    const notFound = await rejection(client.request('supervisor', 'batch.get', { batchId: 'missing' }));
    expect({ code: notFound.code, message: notFound.message, details: notFound.details }).toEqual({
      code: 'NOT_FOUND',
      message: 'no batch missing',
      details: { batchId: 'missing' },
    });
    const internal = await rejection(client.request('supervisor', 'batch.get', { batchId: 'boom' }));
    expect(internal.code).toBe('INTERNAL');
    expect(internal.message).not.toContain('hunter2');
    // The worker logged the real error for its operator.
    await until(() => worker.errLines.some((l) => l.includes('hunter2')), 'the worker to log the failure');
  });

  test('a body that fails its schema is BAD_REQUEST with every field path, before the handler', async () => {
    const { ep } = await startBroker('ipc');
    await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    const err = await rejection(client.requestRaw('supervisor', 'batch.get', { batchId: 7, extra: true }));
    expect(err.code).toBe('BAD_REQUEST');
    const paths = (err.details as { errors: { path: string }[] }).errors.map((e) => e.path);
    expect(paths).toContain('/batchId');
    expect(paths).toContain('/extra');
    expect(err.message).toContain('/batchId');
  });

  test('a body with a reserved name at any depth is BAD_REQUEST naming where, before the handler', async () => {
    const { ep } = await startBroker('ipc');
    await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    // JSON.parse makes `__proto__` an own key, as a frame from another process would carry it.
    for (const [body, path] of [
      [JSON.parse('{"batchId":"batch_1","__proto__":{"x":1}}'), '/__proto__'],
      [{ batchId: 'batch_1', nested: [{ constructor: 1 }] }, '/nested/0/constructor'],
      [{ batchId: 'batch_1', prototype: null }, '/prototype'],
    ] as const) {
      const err = await rejection(client.requestRaw('supervisor', 'batch.get', body));
      const name = path.slice(path.lastIndexOf('/') + 1);
      expect({ code: err.code, message: err.message, details: err.details }).toEqual({
        code: 'BAD_REQUEST',
        message: `batch.get: ${path} ${name} is a reserved name`,
        details: { errors: [{ path, message: `${name} is a reserved name` }] },
      });
    }
  });

  test('a reply that breaks its schema is BAD_REPLY; an unknown method is refused by the client', async () => {
    const { ep } = await startBroker('ipc');
    await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    expect((await rejection(client.request('supervisor', 'batch.restart', { batchId: 'x' }))).code).toBe(
      'BAD_REPLY',
    );
    expect((await rejection(client.requestRaw('supervisor', 'batch.fly', {}))).code).toBe('UNKNOWN_METHOD');
  });

  test('a slow handler ends in TIMEOUT at the deadline, and the client keeps working', async () => {
    const { ep } = await startBroker('ipc');
    await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    const err = await rejection(
      client.request('supervisor', 'batch.get', { batchId: 'slow2000' }, { timeoutMs: 200 }),
    );
    expect(err.code).toBe('TIMEOUT');
    expect((await client.request('supervisor', 'batch.get', { batchId: 'ok' })).id).toBe('ok');
  });

  test('with no broker at all, a request fails with SERVICE_UNAVAILABLE instead of hanging', async () => {
    const client = track(new BusClient({ endpoint: `ipc://${dir}/nobody.sock` }));
    const err = await rejection(client.request('supervisor', 'batch.list', {}, { timeoutMs: 300 }));
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(err.message).toContain('broker not reachable');
  });
});

describe('liveness', () => {
  test('a worker killed with SIGKILL becomes unavailable within its heartbeat window', async () => {
    const { ep } = await startBroker('ipc');
    const worker = await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    await client.request('supervisor', 'batch.list', {});
    const killedAt = performance.now();
    await worker.kill('SIGKILL');
    const err = await until(
      async () => {
        const e = await rejection(client.request('supervisor', 'batch.list', {}, { timeoutMs: 200 }));
        return e.code === 'SERVICE_UNAVAILABLE' ? e : undefined;
      },
      'the service to become unavailable',
      5000,
    );
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    // Window = liveness (3) x HB, plus one tick; generous bound for a noisy machine.
    expect(performance.now() - killedAt).toBeLessThan(3 * HB * 4 + 1000);
  });

  test('a killed worker is noticed at the next heartbeat even when hung workers get a long window', async () => {
    const { ep } = await startBroker('ipc', undefined, 100); // a hung worker would be kept 100 x HB = 10 s
    const worker = await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    await client.request('supervisor', 'batch.list', {});
    const killedAt = performance.now();
    await worker.kill('SIGKILL');
    await until(
      async () =>
        (await rejection(client.request('supervisor', 'batch.list', {}, { timeoutMs: 200 }))).code ===
        'SERVICE_UNAVAILABLE',
      'the dead worker to be dropped',
      5000,
    );
    expect(performance.now() - killedAt).toBeLessThan(3000); // far below the 10 s hung-worker window
  });

  test('a request held by a worker that dies is answered SERVICE_UNAVAILABLE before its deadline', async () => {
    const { ep } = await startBroker('ipc');
    const worker = await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    const pending = rejection(
      client.request('supervisor', 'batch.get', { batchId: 'slow9000' }, { timeoutMs: 8000 }),
    );
    await worker.waitFor('HANDLING slow9000');
    await worker.kill('SIGKILL');
    const err = await pending;
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(err.message).toContain('supervisor went away');
  });

  test('broker SIGKILL and restart: pending requests end typed, traffic resumes within 1 s, worker re-registers', async () => {
    const first = await startBroker('ipc');
    const worker = await startWorker(first.ep);
    const client = track(new BusClient({ endpoint: first.ep.serviceBus }));
    await client.request('supervisor', 'batch.list', {});

    const pending = rejection(
      client.request('supervisor', 'batch.get', { batchId: 'slow9000' }, { timeoutMs: 8000 }),
    );
    await worker.waitFor('HANDLING slow9000');
    await first.proc.kill('SIGKILL');
    const lost = await pending;
    expect(['SERVICE_UNAVAILABLE', 'TIMEOUT']).toContain(lost.code);

    // Requests while the broker is down fail fast and typed.
    const down = await rejection(client.request('supervisor', 'batch.list', {}, { timeoutMs: 300 }));
    expect(down.code).toBe('SERVICE_UNAVAILABLE');

    await startBroker('ipc', first.ep);
    const restartedAt = performance.now();
    const list = await until(
      () => client.request('supervisor', 'batch.list', {}, { timeoutMs: 200 }).catch(() => undefined),
      'traffic to flow again',
      5000,
    );
    expect(list).toEqual([{ id: 'batch_1', name: 'Slot 1', status: 'idle' }]);
    expect(performance.now() - restartedAt).toBeLessThan(1000 + 500); // target 1 s; slack for a noisy machine
  });
});

describe('events', () => {
  test('events reach exactly the subscribers whose prefix matches', async () => {
    const { ep } = await startBroker('ipc');
    const pub = track(new Publisher({ endpoint: ep.eventIn }));
    const all = track(new Subscriber({ endpoint: ep.eventOut, prefixes: ['batch.'] }));
    const one = track(new Subscriber({ endpoint: ep.eventOut, prefixes: ['batch.batch_1.'] }));
    const sys = track(new Subscriber({ endpoint: ep.eventOut, prefixes: ['system.'] }));
    const got = { all: [] as ReceivedEvent[], one: [] as ReceivedEvent[], sys: [] as ReceivedEvent[] };
    for (const [name, sub] of [
      ['all', all],
      ['one', one],
      ['sys', sys],
    ] as const) {
      void (async () => {
        for await (const e of sub) got[name].push(e);
      })();
    }
    // Subscriptions travel upstream asynchronously: publish a probe until every subscriber sees one.
    await until(
      async () => {
        await pub.publish({
          type: 'log',
          batch_id: 'batch_1',
          data: { level: 'info', message: 'probe', timestamp: 't' },
        });
        await pub.publish({ type: 'sync_status', data: syncStatus() });
        return got.all.length > 0 && got.one.length > 0 && got.sys.length > 0;
      },
      'subscriptions to reach the publisher',
      5000,
      50,
    );
    // Probes still in flight may arrive later: judge only what follows, minus the probes.
    const real = (list: ReceivedEvent[]) => list.filter((e) => e.event.type === 'step_start');

    const step = {
      type: 'step_start',
      batch_id: 'batch_2',
      data: { step: 'measure', index: 1, total: 3 },
    } as const;
    const done = {
      type: 'step_start',
      batch_id: 'batch_1',
      data: { step: 'init', index: 0, total: 3 },
    } as const;
    await pub.publish(step);
    await pub.publish(done);
    await until(() => real(got.all).length === 2 && real(got.one).length === 1, 'events to arrive');
    await pub.publish({ type: 'step_start', batch_id: 'batch_3', data: { step: 'end', index: 0, total: 1 } });
    await until(() => real(got.all).length === 3, 'the closing event');
    expect(real(got.all).slice(0, 2)).toEqual([
      { topic: 'batch.batch_2.step_start', event: step },
      { topic: 'batch.batch_1.step_start', event: done },
    ]);
    expect(real(got.one)).toEqual([{ topic: 'batch.batch_1.step_start', event: done }]);
    expect(got.sys.every((e) => e.event.type === 'sync_status')).toBe(true);
  });

  test("a publisher's redact scrubs each event's text before it leaves", async () => {
    const { ep } = await startBroker('ipc');
    const pub = track(
      new Publisher({ endpoint: ep.eventIn, redact: (json) => json.replaceAll('hunter22', '[redacted]') }),
    );
    const sub = track(new Subscriber({ endpoint: ep.eventOut, prefixes: ['batch.b1.'] }));
    const got: ReceivedEvent[] = [];
    void (async () => {
      for await (const e of sub) got.push(e);
    })();
    const log = (message: string) =>
      ({ type: 'log', batch_id: 'b1', data: { level: 'info', message, timestamp: 't' } }) as const;
    await until(
      async () => {
        await pub.publish(log('token hunter22 used'));
        return got.length > 0;
      },
      'the subscription to reach the publisher',
      5000,
      50,
    );
    expect(got[0]!.event).toEqual(log('token [redacted] used'));
  });

  test('an event that breaks its schema is dropped with the reason logged; the next one arrives', async () => {
    const { ep } = await startBroker('ipc');
    const raw = track(new Pub());
    raw.connect(ep.eventIn);
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (o: { err?: string }) => void warnings.push(String(o.err)),
    };
    const sub = track(new Subscriber({ endpoint: ep.eventOut, prefixes: ['batch.'], logger }));
    const got: ReceivedEvent[] = [];
    void (async () => {
      for await (const e of sub) got.push(e);
    })();
    const good = { type: 'step_start', batch_id: 'b1', data: { step: 'a', index: 0, total: 1 } };
    const bad = { type: 'step_start', batch_id: 'b1', data: { step: 'a', index: 'first', total: 1 } };
    const send = (e: object) =>
      raw.send([
        new TextEncoder().encode('batch.b1.step_start'),
        new TextEncoder().encode(JSON.stringify(e)),
      ]);
    await until(
      async () => {
        await send(good);
        return got.length > 0;
      },
      'the subscription to reach the publisher',
      5000,
      50,
    );
    await send(bad);
    await send({ ...good, data: { ...good.data, step: 'after' } });
    await until(
      () => got.some((e) => e.event.type === 'step_start' && e.event.data.step === 'after'),
      'the next event',
    );
    expect(got.every((e) => e.event.type === 'step_start' && typeof e.event.data.index === 'number')).toBe(
      true,
    );
    expect(warnings).toContain('event does not match its schema: /data/index Expected integer');
  });

  test('with holdAtStartMs, what a publisher says before its link is up reaches the subscriber, in order', async () => {
    const { ep } = await startBroker('ipc');
    const sub = track(new Subscriber({ endpoint: ep.eventOut, prefixes: ['batch.'] }));
    const got: ReceivedEvent[] = [];
    void (async () => {
      for await (const e of sub) got.push(e);
    })();
    // Published at once, as a starting runner does: no subscription can have reached this PUB yet.
    const pub = track(new Publisher({ endpoint: ep.eventIn, holdAtStartMs: 10_000 }));
    const said = [0, 1, 2].map(
      (index) =>
        ({ type: 'step_start', batch_id: 'b1', data: { step: `s${index}`, index, total: 3 } }) as const,
    );
    for (const e of said) await pub.publish(e);
    await until(() => got.length >= 3, 'the three held events', 10_000);
    expect(got.map((e) => e.event)).toEqual(said);
    // Once a subscription is in, events go straight out.
    const after = {
      type: 'step_start',
      batch_id: 'b1',
      data: { step: 'after', index: 0, total: 1 },
    } as const;
    await pub.publish(after);
    await until(() => got.length === 4, 'the next event');
    expect(got[3]!.event).toEqual(after);
  });
});

describe('robustness', () => {
  test('garbage bytes sent to each broker port leave it serving everyone else', async () => {
    const { ep } = await startBroker('ipc');
    await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    const garbage = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.alloc(64, 0xff),
      Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7f, 3, 1]),
      Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1]), Buffer.alloc(52, 0x41)]),
    ];
    for (const endpoint of [ep.serviceBus, ep.eventIn, ep.eventOut]) {
      for (const bytes of garbage) {
        await new Promise<void>((resolve) => {
          // Once the bytes are in the socket's queue they reach the broker even after we close (a Unix
          // socket keeps what was sent); the broker may be waiting for more, so we close.
          const s = connect(endpoint.slice('ipc://'.length), () => s.write(bytes, () => s.destroy()));
          s.on('close', () => resolve());
          s.on('error', () => resolve());
        });
      }
    }
    expect(await client.request('supervisor', 'batch.start', { batchId: 'batch_1' })).toMatchObject({
      status: 'running',
    });
  });

  test('well-framed but malformed SSB/1 messages are dropped and logged; everyone else is served', async () => {
    const { proc, ep } = await startBroker('ipc');
    await startWorker(ep);
    const client = track(new BusClient({ endpoint: ep.serviceBus }));
    await client.request('supervisor', 'batch.list', {});
    const rogue = track(new Dealer());
    rogue.connect(ep.serviceBus);
    const bad: (string | Uint8Array)[][] = [
      ['SSB1'],
      ['MDPC01', 'C', 'r1', 'supervisor', 'batch.list', '{}', '1000'],
      ['SSB1', 'Z', 'what'],
      ['SSB1', 'C', 'r2', 'supervisor'],
      ['SSB1', 'C', 'r3', 'super visor!', 'batch.list', '{}', '1000'],
      ['SSB1', 'C', 'r4', 'supervisor', 'batch.list', '{}', '-5'],
      ['SSB1', 'W', 'ready', new Uint8Array([0xff, 0xfe])],
      ['SSB1', 'W', 'explode'],
      [new Uint8Array([0xc3, 0x28]), 'C'],
    ];
    for (const frames of bad) await rogue.send(frames);
    // A reply from a "worker" the broker never registered must not reach any client.
    await rogue.send(['SSB1', 'W', 'rep', new Uint8Array([1, 2, 3]), 'x.1', 'ok', '{}']);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.request('supervisor', 'batch.get', { batchId: `after${i}` }),
      ),
    );
    expect(replies.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => `after${i}`));
    await until(
      () => proc.errLines.some((l) => l.includes('dropped malformed')),
      'the broker to log the drops',
    );
  });
});
