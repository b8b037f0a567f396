/** Interop: libzmq XPUB/XSUB against ours in both directions, tcp and ipc (subscription messages). */
import { describe, expect, test } from 'bun:test';
import { XPub, XSub } from '../../src/index.ts';
import {
  carriesMessageSets,
  endpoint,
  type Frames,
  fingerprint,
  fingerprints,
  oneMiB,
  ours,
  receive,
  theirs,
  theyConnect,
  transports,
  useInteropCleanup,
  watch,
  weConnect,
} from './interop-helpers.ts';

useInteropCleanup();

const roomy = { sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000 };

/** A subscription message as XPUB delivers it: 0x01 (subscribe) or 0x00 (cancel), then the prefix. */
function subscription(on: boolean, topic: string): Buffer {
  return Buffer.concat([Buffer.from([on ? 1 : 0]), Buffer.from(topic)]);
}

for (const transport of transports) {
  describe(`their_xpub_our_xsub (${transport})`, () => {
    async function connected() {
      const xsub = ours(new XSub(roomy));
      return { peer: await weConnect(xsub, transport, { type: 'xpub', options: roomy }), xsub };
    }

    test('subscriptions reach their XPUB and filter what it publishes', async () => {
      const { peer, xsub } = await connected();
      xsub.subscribe('a.');
      expect(fingerprint(await peer.receive())).toEqual(fingerprint([subscription(true, 'a.')]));
      await xsub.send([subscription(true, 'b.')]);
      expect(fingerprint(await peer.receive())).toEqual(fingerprint([subscription(true, 'b.')]));
      await peer.sendMany([['a.1'], ['c.1'], ['b.1', ''], ['a.end']]);
      const got = [await receive(xsub), await receive(xsub), await receive(xsub)];
      expect(fingerprints(got)).toEqual(fingerprints([['a.1'], ['b.1', ''], ['a.end']]));
      await xsub.send([subscription(false, 'b.')]);
      expect(fingerprint(await peer.receive())).toEqual(fingerprint([subscription(false, 'b.')]));
      xsub.unsubscribe('a.');
      expect(fingerprint(await peer.receive())).toEqual(fingerprint([subscription(false, 'a.')]));
    });

    // Subscribed to everything ('' prefix) once their XPUB reported it, then their messages in order.
    async function deliver(messages: Frames[]) {
      const { peer, xsub } = await connected();
      xsub.subscribe('');
      await peer.receive();
      const sending = peer.sendMany(messages);
      const got: Buffer[][] = [];
      for (const _ of messages) got.push(await receive(xsub));
      await sending;
      expect(fingerprints(got)).toEqual(fingerprints(messages));
    }

    carriesMessageSets(deliver, [['topic', oneMiB], ['after']]);
  });

  describe(`their_xsub_our_xpub (${transport})`, () => {
    async function connected() {
      const xpub = ours(new XPub(roomy));
      return { peer: await theyConnect(xpub, transport, { type: 'xsub', options: roomy }), xpub };
    }

    test('their subscriptions reach our XPUB and filter what it publishes', async () => {
      const { peer, xpub } = await connected();
      await peer.send([subscription(true, 'a.')]);
      expect(fingerprint(await receive(xpub))).toEqual(fingerprint([subscription(true, 'a.')]));
      for (const message of [['a.1'], ['b.1'], ['a', 'x'], ['a.2', '', 'z'], ['a.end']]) {
        await xpub.send(message);
      }
      expect(fingerprints(await peer.receiveMany(3))).toEqual(
        fingerprints([['a.1'], ['a.2', '', 'z'], ['a.end']]),
      );
      await peer.send([subscription(false, 'a.')]);
      expect(fingerprint(await receive(xpub))).toEqual(fingerprint([subscription(false, 'a.')]));
    });

    async function deliver(messages: Frames[]) {
      const { peer, xpub } = await connected();
      await peer.send([subscription(true, '')]);
      await receive(xpub);
      const got = peer.receiveMany(messages.length, 10_000);
      for (const message of messages) await xpub.send(message);
      expect(fingerprints(await got)).toEqual(fingerprints(messages));
    }

    carriesMessageSets(deliver, [['topic', oneMiB], ['after']]);
  });

  describe(`their_xsubs_our_xpub (${transport}) sharing a topic`, () => {
    // Two libzmq XSUBs subscribe to the same topic. Each step ends with a distinct message on the same
    // connection, so a duplicate our XPUB wrongly passed up would arrive before it.
    async function twoSubscribers(verbose: boolean) {
      const xpub = ours(new XPub({ verbose }));
      const events = watch(xpub);
      await xpub.bind(endpoint(transport));
      const peer = await theirs();
      for (const name of ['one', 'two']) {
        await peer.create('xsub', {}, name);
        await peer.connect(String(xpub.lastEndpoint), name);
      }
      const deadline = Date.now() + 5000;
      while (events.events.filter((event) => event.type === 'handshake').length < 2) {
        await events.wait('handshake', Math.max(1, deadline - Date.now()), events.events.length);
      }
      const next = async () => fingerprint(await receive(xpub));
      return { peer, next };
    }

    test('only the first subscribe and the last cancel reach our XPUB', async () => {
      const { peer, next } = await twoSubscribers(false);
      await peer.send([subscription(true, 'a')], 'one');
      expect(await next()).toEqual(fingerprint([subscription(true, 'a')]));
      await peer.send([subscription(true, 'a')], 'two');
      await peer.send([subscription(true, 'b')], 'two');
      expect(await next()).toEqual(fingerprint([subscription(true, 'b')]));
      await peer.send([subscription(false, 'a')], 'one');
      await peer.send([subscription(true, 'c')], 'one');
      expect(await next()).toEqual(fingerprint([subscription(true, 'c')]));
      await peer.send([subscription(false, 'a')], 'two');
      expect(await next()).toEqual(fingerprint([subscription(false, 'a')]));
    });

    test('verbose passes every subscribe up', async () => {
      const { peer, next } = await twoSubscribers(true);
      await peer.send([subscription(true, 'a')], 'one');
      expect(await next()).toEqual(fingerprint([subscription(true, 'a')]));
      await peer.send([subscription(true, 'a')], 'two');
      expect(await next()).toEqual(fingerprint([subscription(true, 'a')]));
    });
  });
}
