import { afterEach, describe, expect, test } from 'bun:test';
import { Dealer, Router, ZmtpError } from '../src/index.ts';
import { Fixture, nextEvent, TRANSPORTS, text, waitFor, within } from './helpers.ts';

for (const transport of TRANSPORTS) {
  describe(`DEALER/ROUTER (${transport})`, () => {
    let fx: Fixture;
    afterEach(() => fx.cleanup());

    test('router sees the dealer identity and routes the reply back', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router());
      const endpoint = await fx.bind(router);
      const dealer = fx.track(new Dealer({ routingId: 'worker-1' }));
      dealer.connect(endpoint);
      await dealer.send(['hello', '', 'world']);
      const request = await within(router.receive());
      expect(text(request)).toEqual(['worker-1', 'hello', '', 'world']);
      await router.send([request[0]!, 'reply']);
      expect(text(await within(dealer.receive()))).toEqual(['reply']);
    });

    test('router generates 5-byte ids for anonymous peers, distinct per peer', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router());
      const endpoint = await fx.bind(router);
      const a = fx.track(new Dealer());
      const b = fx.track(new Dealer());
      a.connect(endpoint);
      b.connect(endpoint);
      await a.send('from-a');
      await b.send('from-b');
      const first = await within(router.receive());
      const second = await within(router.receive());
      expect(first[0]!.length).toBe(5);
      expect(first[0]![0]).toBe(0);
      expect(second[0]!.equals(first[0]!)).toBe(false);
      const byBody = new Map([first, second].map((m) => [m[1]!.toString(), m[0]!]));
      await router.send([byBody.get('from-b')!, 'to-b']);
      expect(text(await within(b.receive()))).toEqual(['to-b']);
    });

    test('dealer load-balances sends and fair-queues receives across routers', async () => {
      fx = new Fixture(transport);
      const r1 = fx.track(new Router());
      const r2 = fx.track(new Router());
      const dealer = fx.track(new Dealer({ routingId: 'd' }));
      let handshakes = 0;
      dealer.events.on('handshake', () => handshakes++);
      dealer.connect(await fx.bind(r1));
      dealer.connect(await fx.bind(r2));
      await waitFor(() => handshakes === 2, 5000, 'two handshakes');
      for (let i = 0; i < 4; i++) await dealer.send(`m${i}`);
      const got1 = [text(await within(r1.receive())), text(await within(r1.receive()))];
      const got2 = [text(await within(r2.receive())), text(await within(r2.receive()))];
      expect([...got1, ...got2].sort()).toEqual([
        ['d', 'm0'],
        ['d', 'm1'],
        ['d', 'm2'],
        ['d', 'm3'],
      ]);
      expect(got1.length).toBe(2);
      await r1.send(['d', 'x1']);
      await r2.send(['d', 'x2']);
      const replies = [text(await within(dealer.receive())), text(await within(dealer.receive()))];
      expect(replies.sort()).toEqual([['x1'], ['x2']]);
    });

    test('connect before bind delivers the queued message once the router appears', async () => {
      fx = new Fixture(transport);
      const endpoint = transport === 'tcp' ? await freeTcpEndpoint(fx) : `ipc://${fx.path()}`;
      const dealer = fx.track(new Dealer({ routingId: 'early', reconnectInterval: 20 }));
      dealer.connect(endpoint);
      await dealer.send('queued-before-bind');
      const router = fx.track(new Router());
      await router.bind(endpoint);
      expect(text(await within(router.receive()))).toEqual(['early', 'queued-before-bind']);
    });

    test('mandatory router rejects unknown routing ids with HOST_UNREACHABLE', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router({ mandatory: true }));
      await fx.bind(router);
      const error = await router.send(['nobody', 'x']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ZmtpError);
      expect((error as ZmtpError).code).toBe('HOST_UNREACHABLE');
    });

    test('a non-mandatory router drops unroutable messages silently', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router());
      await fx.bind(router);
      await router.send(['nobody', 'x']);
    });

    test('dealer reconnects after the router restarts on the same endpoint', async () => {
      fx = new Fixture(transport);
      const first = new Router();
      const endpoint = await fx.bind(first);
      const dealer = fx.track(new Dealer({ routingId: 'r', reconnectInterval: 20 }));
      dealer.connect(endpoint);
      await dealer.send('one');
      expect(text(await within(first.receive()))).toEqual(['r', 'one']);
      const gone = nextEvent(dealer, 'disconnected');
      first.close();
      await within(gone);
      const second = fx.track(new Router());
      await second.bind(endpoint);
      await dealer.send('two');
      expect(text(await within(second.receive()))).toEqual(['r', 'two']);
    });

    test('handover lets a reconnecting peer take over its identity', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router({ handover: true }));
      const endpoint = await fx.bind(router);
      const old = fx.track(new Dealer({ routingId: 'same' }));
      old.connect(endpoint);
      await old.send('from-old');
      expect(text(await within(router.receive()))).toEqual(['same', 'from-old']);
      const fresh = fx.track(new Dealer({ routingId: 'same' }));
      fresh.connect(endpoint);
      await fresh.send('from-new');
      expect(text(await within(router.receive()))).toEqual(['same', 'from-new']);
      await router.send(['same', 'to-new']);
      expect(text(await within(fresh.receive()))).toEqual(['to-new']);
    });
  });
}

async function freeTcpEndpoint(fx: Fixture): Promise<string> {
  // Bind and release a port so the connect-before-bind test knows where the router will be.
  const probe = new Router();
  const endpoint = await fx.bind(probe);
  probe.close();
  await Bun.sleep(0);
  return endpoint;
}
