import { afterEach, describe, expect, test } from 'bun:test';
import { Pub, Sub, XPub, XSub, type ZmtpError } from '../src/index.ts';
import { Fixture, nextEvent, TRANSPORTS, text, waitFor, within } from './helpers.ts';

/** Publishes `probe` until the subscriber receives something, proving the subscription reached PUB. */
async function untilSubscribed(pub: Pub | XPub, sub: Sub | XSub, probe: string[]): Promise<Buffer[]> {
  const received = sub.receive();
  let got: Buffer[] | undefined;
  received.then((m) => {
    got = m;
  });
  await waitFor(
    () => {
      if (got === undefined) pub.send(probe).catch(() => {});
      return got !== undefined;
    },
    5000,
    'subscription to reach the publisher',
  );
  return got!;
}

for (const transport of TRANSPORTS) {
  describe(`PUB/SUB (${transport})`, () => {
    let fx: Fixture;
    afterEach(() => fx.cleanup());

    test('subscriber gets only the topics it subscribed to, by prefix', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new Pub());
      const sub = fx.track(new Sub());
      sub.connect(await fx.bind(pub));
      sub.subscribe('weather.');
      expect(text(await untilSubscribed(pub, sub, ['weather.sync', '']))).toEqual(['weather.sync', '']);
      await pub.send(['news.today', 'ignored']);
      await pub.send(['weather.paris', 'sunny']);
      expect(text(await within(sub.receive()))).toEqual(['weather.paris', 'sunny']);
    });

    test('unsubscribe stops delivery while other subscriptions continue', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new Pub());
      const sub = fx.track(new Sub());
      sub.connect(await fx.bind(pub));
      sub.subscribe('a');
      sub.subscribe('b');
      await untilSubscribed(pub, sub, ['a-sync']);
      sub.unsubscribe('a');
      // A round trip through 'b' proves the CANCEL, sent before it, was processed.
      await untilSubscribed(pub, sub, ['b-sync']);
      await pub.send(['a-late']);
      await pub.send(['b-late']);
      const next = text(await within(sub.receive()));
      expect(next[0] === 'b-sync' ? text(await within(sub.receive())) : next).toEqual(['b-late']);
    });

    test('empty subscription receives everything, including empty frames', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new Pub());
      const sub = fx.track(new Sub());
      sub.connect(await fx.bind(pub));
      sub.subscribe();
      await untilSubscribed(pub, sub, ['sync']);
      await pub.send(['', '', 'x']);
      let message = text(await within(sub.receive()));
      while (message[0] === 'sync') message = text(await within(sub.receive()));
      expect(message).toEqual(['', '', 'x']);
    });

    test('subscriptions are re-sent after the publisher restarts', async () => {
      fx = new Fixture(transport);
      const first = new Pub();
      const endpoint = await fx.bind(first);
      const sub = fx.track(new Sub({ reconnectInterval: 20 }));
      sub.connect(endpoint);
      sub.subscribe('t');
      await untilSubscribed(first, sub, ['t1']);
      const gone = nextEvent(sub, 'disconnected');
      first.close();
      await within(gone);
      const second = fx.track(new Pub());
      await second.bind(endpoint);
      expect(text(await untilSubscribed(second, sub, ['t2']))).toEqual(['t2']);
    });

    test('pub fans out to several subscribers', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new Pub());
      const endpoint = await fx.bind(pub);
      const subs = [0, 1, 2].map(() => fx.track(new Sub()));
      for (const sub of subs) {
        sub.connect(endpoint);
        sub.subscribe('');
        await untilSubscribed(pub, sub, ['sync']);
      }
      await pub.send(['all', 'hands']);
      for (const sub of subs) {
        let message = text(await within(sub.receive()));
        while (message[0] === 'sync') message = text(await within(sub.receive()));
        expect(message).toEqual(['all', 'hands']);
      }
    });

    test('a tight `await send()` loop yields under backpressure, so subscribers keep up', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new Pub());
      const sub = fx.track(new Sub());
      sub.connect(await fx.bind(pub));
      sub.subscribe('n');
      await untilSubscribed(pub, sub, ['n-sync']);
      const total = 20_000;
      let received = 0;
      const counting = (async () => {
        for await (const message of sub) {
          if (message[0]!.toString() === 'n' && ++received === total) return;
        }
      })();
      const body = Buffer.alloc(512);
      for (let i = 0; i < total; i++) await pub.send(['n', body]);
      await Promise.race([counting, Bun.sleep(2000)]);
      // Without yielding, the loop would starve the drain and PUB would drop nearly everything past the HWM.
      expect(received).toBeGreaterThan(total / 2);
    });

    test('PUB cannot receive and SUB cannot send', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new Pub());
      const sub = fx.track(new Sub());
      expect(((await pub.receive().catch((e: unknown) => e)) as ZmtpError).code).toBe('STATE');
      expect(((await sub.send('x').catch((e: unknown) => e)) as ZmtpError).code).toBe('STATE');
    });
  });

  describe(`XPUB/XSUB (${transport})`, () => {
    let fx: Fixture;
    afterEach(() => fx.cleanup());

    test('xpub receives each new subscription once and the cancel of the last one', async () => {
      fx = new Fixture(transport);
      const xpub = fx.track(new XPub());
      const endpoint = await fx.bind(xpub);
      const s1 = fx.track(new Sub());
      const s2 = fx.track(new Sub());
      s1.connect(endpoint);
      s1.subscribe('topic');
      expect([...(await within(xpub.receive()))[0]!]).toEqual([1, ...Buffer.from('topic')]);
      s2.connect(endpoint);
      s2.subscribe('topic');
      s2.subscribe('other');
      // 'topic' is already known, so the next upstream message is the new 'other'.
      expect(text(await within(xpub.receive()))).toEqual(['\x01other']);
      s1.close();
      s2.unsubscribe('topic');
      expect(text(await within(xpub.receive()))).toEqual(['\x00topic']);
    });

    test('xsub forwards raw subscription frames and filters what it receives', async () => {
      fx = new Fixture(transport);
      const xpub = fx.track(new XPub());
      const xsub = fx.track(new XSub());
      xsub.connect(await fx.bind(xpub));
      await xsub.send(Buffer.from('\x01abc'));
      expect(text(await within(xpub.receive()))).toEqual(['\x01abc']);
      await xpub.send(['xyz', 'no']);
      await xpub.send(['abcd', 'yes']);
      expect(text(await within(xsub.receive()))).toEqual(['abcd', 'yes']);
      await xsub.send(Buffer.from('\x00abc'));
      expect(text(await within(xpub.receive()))).toEqual(['\x00abc']);
    });

    test('an XSUB/XPUB proxy relays subscriptions up and messages down', async () => {
      fx = new Fixture(transport);
      const frontend = fx.track(new XSub());
      const backend = fx.track(new XPub());
      const publisher = fx.track(new Pub());
      frontend.connect(await fx.bind(publisher));
      const subscriber = fx.track(new Sub());
      subscriber.connect(await fx.bind(backend));
      const relay = async (from: XPub | XSub, to: XPub | XSub) => {
        for await (const message of from) await to.send(message);
      };
      relay(backend, frontend).catch(() => {});
      relay(frontend, backend).catch(() => {});
      subscriber.subscribe('x');
      expect(text(await untilSubscribed(publisher, subscriber, ['x1', 'payload']))).toEqual([
        'x1',
        'payload',
      ]);
    });
  });
}
