import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dealer, Pub, Router, Sub, ZmtpError } from '../src/index.ts';
import { Fixture, nextEvent, TRANSPORTS, text, waitFor, within } from './helpers.ts';

const codeOf = async (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof ZmtpError ? error.code : String(error)),
  );

for (const transport of TRANSPORTS) {
  describe(`socket lifecycle (${transport})`, () => {
    let fx: Fixture;
    afterEach(() => fx.cleanup());

    test('close() rejects a pending receive with CLOSED and ends iteration; it is idempotent', async () => {
      fx = new Fixture(transport);
      const dealer = fx.track(new Dealer());
      await fx.bind(dealer);
      const pending = dealer.receive();
      const iterated: string[][] = [];
      const loop = (async () => {
        for await (const message of dealer) iterated.push(text(message));
      })();
      dealer.close();
      dealer.close();
      expect(await codeOf(pending)).toBe('CLOSED');
      await within(loop);
      expect({ closed: dealer.closed, iterated }).toEqual({ closed: true, iterated: [] });
      expect(await codeOf(dealer.send('x'))).toBe('CLOSED');
      expect(await codeOf(dealer.bind(fx.endpoint()))).toBe('CLOSED');
    });

    test('receiveTimeout and sendTimeout reject with TIMEOUT', async () => {
      fx = new Fixture(transport);
      const dealer = fx.track(new Dealer({ receiveTimeout: 30, sendTimeout: 30 }));
      expect(await codeOf(dealer.receive())).toBe('TIMEOUT');
      // No peer at all: a DEALER waits for one, so the send times out.
      expect(await codeOf(dealer.send('nowhere'))).toBe('TIMEOUT');
    });

    test('events report listening, accepted, connected and handshake, then disconnected', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router());
      const seen: string[] = [];
      router.events.on('*', (event) => seen.push(event.type));
      const endpoint = await fx.bind(router);
      const dealer = fx.track(new Dealer());
      const dealerSeen: string[] = [];
      dealer.events.on('*', (event) => dealerSeen.push(event.type));
      const handshake = nextEvent(router, 'handshake');
      const dealerHandshake = nextEvent(dealer, 'handshake');
      dealer.connect(endpoint);
      expect((await within(handshake)).endpoint).toBe(endpoint);
      expect((await within(dealerHandshake)).endpoint).toBe(endpoint);
      const gone = nextEvent(router, 'disconnected');
      dealer.close();
      await within(gone);
      expect(seen).toEqual(['listening', 'accepted', 'handshake', 'disconnected']);
      expect(dealerSeen.slice(0, 2)).toEqual(['connected', 'handshake']);
    });

    test('events are also an async iterator that ends on close', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router());
      const types: string[] = [];
      const loop = (async () => {
        for await (const event of router.events) types.push(event.type);
      })();
      await fx.bind(router);
      router.close();
      await within(loop);
      expect(types).toEqual(['listening', 'closed']);
    });

    test('unbind drops accepted peers and stops listening; disconnect stops a connect', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router());
      const endpoint = await fx.bind(router);
      const dealer = fx.track(new Dealer({ routingId: 'd', reconnectInterval: 10 }));
      dealer.connect(endpoint);
      await dealer.send('before');
      expect(text(await within(router.receive()))).toEqual(['d', 'before']);
      const gone = nextEvent(dealer, 'disconnected');
      await router.unbind(endpoint);
      await within(gone);
      await within(nextEvent(dealer, 'connect-retried'));
      if (transport === 'ipc') expect(existsSync(endpoint.slice('ipc://'.length))).toBe(false);
      dealer.disconnect(endpoint);
      expect(() => dealer.disconnect(endpoint)).toThrow(ZmtpError);
      expect(await codeOf(router.unbind(endpoint))).toBe('BAD_ENDPOINT');
    });

    test('a bound endpoint in use is refused with ADDRESS_IN_USE and the owner keeps serving', async () => {
      fx = new Fixture(transport);
      const owner = fx.track(new Router());
      const endpoint = await fx.bind(owner);
      const thief = fx.track(new Router());
      expect(await codeOf(thief.bind(endpoint))).toBe('ADDRESS_IN_USE');
      const dealer = fx.track(new Dealer({ routingId: 'x' }));
      dealer.connect(endpoint);
      await dealer.send('still-here');
      expect(text(await within(owner.receive()))).toEqual(['x', 'still-here']);
    });

    test('sendHighWaterMark bounds a DEALER queue: sends wait, then flow once a peer appears', async () => {
      fx = new Fixture(transport);
      const endpoint = transport === 'tcp' ? 'tcp://127.0.0.1:0' : fx.endpoint();
      const router = fx.track(new Router());
      await router.bind(endpoint);
      const target = router.lastEndpoint!;
      await router.unbind(target);
      const dealer = fx.track(new Dealer({ routingId: 'q', sendHighWaterMark: 3, reconnectInterval: 10 }));
      dealer.connect(target);
      for (let i = 0; i < 3; i++) await within(dealer.send(`m${i}`));
      let fourthSent = false;
      const fourth = dealer.send('m3').then(() => {
        fourthSent = true;
      });
      await Bun.sleep(30);
      expect(fourthSent).toBe(false);
      const late = fx.track(new Router());
      await late.bind(target);
      await within(fourth);
      const got: string[][] = [];
      for (let i = 0; i < 4; i++) got.push(text(await within(late.receive())));
      expect(got).toEqual([0, 1, 2, 3].map((i) => ['q', `m${i}`]));
    });

    test('receiveHighWaterMark pauses reading without losing messages, and reading resumes', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router({ receiveHighWaterMark: 5 }));
      const dealer = fx.track(new Dealer({ routingId: 'r' }));
      dealer.connect(await fx.bind(router));
      const total = 300;
      for (let i = 0; i < total; i++) await dealer.send([`${i}`, Buffer.alloc(2048)]);
      const got: string[] = [];
      for (let i = 0; i < total; i++) got.push((await within(router.receive()))[1]!.toString());
      expect(got).toEqual(Array.from({ length: total }, (_, i) => `${i}`));
    });

    test('failed dials back off from reconnectInterval up to reconnectMaxInterval', async () => {
      fx = new Fixture(transport);
      const probe = fx.track(new Router());
      await probe.bind(fx.endpoint());
      const target = probe.lastEndpoint!;
      await probe.unbind(target);
      const dealer = fx.track(new Dealer({ reconnectInterval: 5, reconnectMaxInterval: 40 }));
      const intervals: number[] = [];
      dealer.events.on('connect-retried', (event) => intervals.push(event.interval));
      dealer.connect(target);
      await waitFor(() => intervals.length >= 6, 5000, 'six retries');
      expect(intervals.slice(0, 6)).toEqual([5, 10, 20, 40, 40, 40]);
    });

    test('PUB drops messages for a subscriber that stopped reading, instead of blocking', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new Pub({ sendHighWaterMark: 10 }));
      const sub = fx.track(new Sub({ receiveHighWaterMark: 10 }));
      sub.connect(await fx.bind(pub));
      sub.subscribe('');
      const first = sub.receive();
      await waitFor(() => {
        pub.send(['sync']);
        return Bun.peek.status(first) === 'fulfilled';
      });
      const body = Buffer.alloc(4096);
      const total = 5000;
      for (let i = 0; i < total; i++) await pub.send([`${i}`, body]);
      // The publisher never waited; now drain what actually arrived.
      const numbers: number[] = [];
      for (;;) {
        const message = await Promise.race([sub.receive(), Bun.sleep(300).then(() => undefined)]);
        if (message === undefined) break;
        if (message[0]!.toString() !== 'sync') numbers.push(Number(message[0]!.toString()));
      }
      expect(numbers.length).toBeGreaterThan(0);
      expect(numbers.length).toBeLessThan(total);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    });

    test('linger delivers messages queued before close to a peer that binds later', async () => {
      fx = new Fixture(transport);
      const probe = fx.track(new Router());
      await probe.bind(fx.endpoint());
      const target = probe.lastEndpoint!;
      await probe.unbind(target);
      const dealer = new Dealer({ routingId: 'l', linger: 3000, reconnectInterval: 10 });
      dealer.connect(target);
      await dealer.send('parting words');
      dealer.close();
      const router = fx.track(new Router());
      await router.bind(target);
      expect(text(await within(router.receive()))).toEqual(['l', 'parting words']);
    });

    test('maxMessageSize drops only the offending connection; the peer reconnects and is served', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router({ maxMessageSize: 100 }));
      const endpoint = await fx.bind(router);
      const dealer = fx.track(new Dealer({ routingId: 'big', reconnectInterval: 10 }));
      dealer.connect(endpoint);
      await within(nextEvent(dealer, 'handshake'));
      const dropped = nextEvent(router, 'disconnected');
      const rehandshake = (async () => {
        await nextEvent(dealer, 'disconnected');
        await nextEvent(dealer, 'handshake');
      })();
      await dealer.send(['x'.repeat(60), 'y'.repeat(60)]);
      expect((await within(dropped)).reason).toStartWith('MESSAGE_TOO_LARGE');
      // Anything sent before the dealer noticed the drop is lost with that connection, as in libzmq.
      await within(rehandshake);
      await dealer.send('small');
      expect(text(await within(router.receive()))).toEqual(['big', 'small']);
    });

    test('incompatible socket types fail the handshake on both sides', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new Pub());
      const endpoint = await fx.bind(pub);
      const dealer = fx.track(new Dealer({ reconnectInterval: 1000 }));
      const theirs = nextEvent(pub, 'handshake-failed');
      const ours = nextEvent(dealer, 'handshake-failed');
      dealer.connect(endpoint);
      const [a, b] = await within(Promise.all([theirs, ours]));
      // Each side reads the other's READY before any ERROR, so both name the mismatch.
      expect([a.error.code, b.error.code]).toEqual(['INCOMPATIBLE_PEER', 'INCOMPATIBLE_PEER']);
    });
  });
}

describe('endpoints', () => {
  test('malformed endpoints throw BAD_ENDPOINT', async () => {
    const dealer = new Dealer();
    try {
      for (const endpoint of ['nowhere', 'udp://1.2.3.4:5', 'tcp://host', 'tcp://host:99999']) {
        expect(() => dealer.connect(endpoint)).toThrow(expect.objectContaining({ code: 'BAD_ENDPOINT' }));
      }
      expect(await codeOf(dealer.bind('tcp://127.0.0.1'))).toBe('BAD_ENDPOINT');
    } finally {
      dealer.close();
    }
  });

  test('tcp://*:0 binds every interface and reports the real port', async () => {
    const router = new Router();
    try {
      await router.bind('tcp://*:0');
      expect(router.lastEndpoint).toMatch(/^tcp:\/\/0\.0\.0\.0:[1-9]\d*$/);
    } finally {
      router.close();
    }
  });

  test('ipc bind replaces a stale socket file but refuses a non-socket file', async () => {
    const fx = new Fixture('ipc');
    try {
      const path = fx.path();
      // A process killed with SIGKILL leaves its socket file behind.
      await using child = Bun.spawn([process.execPath, join(import.meta.dir, 'stale-ipc-fixture.ts'), path], {
        stdout: 'pipe',
      });
      const reader = child.stdout.getReader();
      await within(reader.read());
      child.kill('SIGKILL');
      await child.exited;
      expect(existsSync(path)).toBe(true);
      const router = fx.track(new Router());
      await router.bind(`ipc://${path}`);
      const dealer = fx.track(new Dealer({ routingId: 'after-stale' }));
      dealer.connect(`ipc://${path}`);
      await dealer.send('hi');
      expect(text(await within(router.receive()))).toEqual(['after-stale', 'hi']);

      const plain = fx.path();
      writeFileSync(plain, 'not a socket');
      expect(await codeOf(fx.track(new Router()).bind(`ipc://${plain}`))).toBe('ADDRESS_IN_USE');
    } finally {
      fx.cleanup();
    }
  });
});
