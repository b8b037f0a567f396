/** Interop: libzmq DEALER/ROUTER against ours in both directions, over tcp and ipc (routing ids). */
import { describe, expect, test } from 'bun:test';
import { Dealer, Router } from '../../src/index.ts';
import {
  bytes,
  carriesMessageSets,
  endpoint,
  type Frames,
  fingerprints,
  oneMiB,
  ours,
  receive,
  theirs,
  theyConnect,
  transports,
  useInteropCleanup,
  weConnect,
} from './interop-helpers.ts';

useInteropCleanup();

// Delivered atomically or not at all: every frame, in order, as one message.
const manyFrames: Frames = Array.from({ length: 1000 }, (_, i) => bytes(i % 300, i));

// A ROUTER drops what does not fit under the high-water mark; the 1,000-message stream must fit.
const roomy = { sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000 };

for (const transport of transports) {
  describe(`their_dealer_our_router (${transport})`, () => {
    async function connected(routingId?: string) {
      const router = ours(new Router(roomy));
      const options = routingId === undefined ? roomy : { ...roomy, routingId };
      return { router, peer: await theyConnect(router, transport, { type: 'dealer', options }) };
    }

    // Their DEALER sends everything, our ROUTER sees each behind the peer's Identity, then sends it
    // all back addressed to that id.
    async function both(messages: Frames[]) {
      const { router, peer } = await connected('their-dealer');
      await peer.sendMany(messages);
      const got: Buffer[][] = [];
      for (const _ of messages) got.push(await receive(router));
      expect(fingerprints(got)).toEqual(fingerprints(messages.map((m) => ['their-dealer', ...m])));
      for (const message of messages) await router.send(['their-dealer', ...message]);
      expect(fingerprints(await peer.receiveMany(messages.length, 10_000))).toEqual(fingerprints(messages));
    }

    carriesMessageSets(both, [[oneMiB]]);
    test('one message of 1,000 frames both ways', () => both([manyFrames]));

    test('generated routing id routes the reply', async () => {
      const { router, peer } = await connected();
      await peer.send(['hello']);
      const [id, ...body] = await receive(router);
      expect(body.map(String)).toEqual(['hello']);
      expect(id?.length ?? 0).toBeGreaterThan(0);
      await router.send([id ?? '', 'back']);
      expect((await peer.receive()).map(String)).toEqual(['back']);
    });
  });

  describe(`their_router_our_dealer (${transport})`, () => {
    async function connected() {
      const dealer = ours(new Dealer({ ...roomy, routingId: 'our-dealer' }));
      return { dealer, peer: await weConnect(dealer, transport, { type: 'router', options: roomy }) };
    }

    // Our DEALER sends everything; their ROUTER must see our Identity on each, then replies to it.
    async function both(messages: Frames[]) {
      const { dealer, peer } = await connected();
      for (const message of messages) await dealer.send(message);
      expect(fingerprints(await peer.receiveMany(messages.length, 10_000))).toEqual(
        fingerprints(messages.map((m) => ['our-dealer', ...m])),
      );
      await peer.sendMany(messages.map((m) => ['our-dealer', ...m]));
      const got: Buffer[][] = [];
      for (const _ of messages) got.push(await receive(dealer));
      expect(fingerprints(got)).toEqual(fingerprints(messages));
    }

    carriesMessageSets(both, [[oneMiB]]);
    test('one message of 1,000 frames both ways', () => both([manyFrames]));
  });

  describe(`255-byte routing ids, the longest libzmq allows (${transport})`, () => {
    const long = 'r'.repeat(255);

    test(`their_dealer_our_router (${transport})`, async () => {
      const router = ours(new Router());
      await router.bind(endpoint(transport));
      const peer = await theirs();
      await peer.create('dealer', { routingId: long });
      await peer.connect(String(router.lastEndpoint));
      await peer.send(['hi']);
      expect((await receive(router)).map(String)).toEqual([long, 'hi']);
      await router.send([long, 'back']);
      expect((await peer.receive()).map(String)).toEqual(['back']);
    });

    test(`their_router_our_dealer (${transport})`, async () => {
      const peer = await theirs();
      await peer.create('router');
      const bound = await peer.bind(endpoint(transport));
      const dealer = ours(new Dealer({ routingId: long }));
      dealer.connect(bound);
      await dealer.send(['hi']);
      expect((await peer.receive()).map(String)).toEqual([long, 'hi']);
      await peer.send([long, 'back']);
      expect((await receive(dealer)).map(String)).toEqual(['back']);
    });
  });
}
