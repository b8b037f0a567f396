/** Interop: what both sides refuse (incompatible socket types, oversize messages), against libzmq. */
import { describe, expect, test } from 'bun:test';
import { Dealer, Router } from '../../src/index.ts';
import {
  bytes,
  endpoint,
  fingerprint,
  ours,
  receive,
  theirs,
  transports,
  useInteropCleanup,
  watch,
} from './interop-helpers.ts';

useInteropCleanup();

for (const transport of transports) {
  describe(`their_pub_our_dealer (${transport})`, () => {
    test('incompatible socket types never complete the handshake', async () => {
      const peer = await theirs();
      await peer.create('pub');
      const bound = await peer.bind(endpoint(transport));
      const dealer = ours(new Dealer());
      const events = watch(dealer);
      dealer.connect(bound);
      const failed = await events.wait('handshake-failed');
      expect(failed).toMatchObject({ type: 'handshake-failed', error: { code: 'INCOMPATIBLE_PEER' } });
      expect(events.events.some((event) => event.type === 'handshake')).toBe(false);
      expect(peer.events.some((event) => event.event === 'handshake')).toBe(false);
    });
  });

  describe(`their_dealer_our_router (${transport}) with maxMessageSize`, () => {
    test('an oversize message drops that connection and the reconnected peer is served', async () => {
      const router = ours(new Router({ maxMessageSize: 1024 }));
      const events = watch(router);
      await router.bind(endpoint(transport));
      const peer = await theirs();
      await peer.create('dealer', { routingId: 'big', reconnectInterval: 50 });
      await peer.connect(String(router.lastEndpoint));
      await events.wait('handshake');
      await peer.send([bytes(1024)]);
      expect(fingerprint(await receive(router))).toEqual(fingerprint(['big', bytes(1024)]));
      await peer.send([bytes(1025)]);
      await events.wait('disconnected');
      const since = events.events.length;
      await events.wait('handshake', 5000, since);
      await peer.send(['small']);
      expect(fingerprint(await receive(router))).toEqual(fingerprint(['big', 'small']));
    });
  });

  describe(`their_router_our_dealer (${transport}) with their maxMessageSize`, () => {
    test('libzmq dropping us for an oversize message is survived by reconnecting', async () => {
      const peer = await theirs();
      await peer.create('router', { maxMessageSize: 1024 });
      const bound = await peer.bind(endpoint(transport));
      await peer.echo();
      const dealer = ours(new Dealer({ routingId: 'ours', reconnectInterval: 50 }));
      const events = watch(dealer);
      dealer.connect(bound);
      await events.wait('handshake');
      await dealer.send([bytes(2048)]);
      await events.wait('disconnected');
      const since = events.events.length;
      await events.wait('handshake', 5000, since);
      await dealer.send(['small']);
      expect(fingerprint(await receive(dealer))).toEqual(fingerprint(['small']));
    });
  });
}
