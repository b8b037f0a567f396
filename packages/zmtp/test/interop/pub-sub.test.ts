/** Interop: libzmq PUB/SUB (and XPUB seeing our SUB's subscriptions) against ours, tcp and ipc (RFC 29). */
import { describe, expect, test } from 'bun:test';
import { Pub, Sub } from '../../src/index.ts';
import {
  carriesMessageSets,
  endpoint,
  type Frames,
  fingerprint,
  fingerprints,
  isText,
  oneMiB,
  ours,
  probeUntil,
  receive,
  receiveSkipping,
  theirs,
  theyConnect,
  transports,
  useInteropCleanup,
  watch,
} from './interop-helpers.ts';

useInteropCleanup();

// PUB drops at the high-water mark; the 1,000-message stream must fit on both ends.
const roomy = { sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000 };

// Messages a subscriber to 'a.' and 'c' must get (true) or not (false), in publishing order.
const filterTable: [Frames, boolean][] = [
  [['a.1'], true],
  [['b.1'], false],
  [['c'], true],
  [['a'], false],
  [['ca', 'body'], true],
  [['', 'a.'], false],
  [['a.2', 'body'], true],
  [['b.a.'], false],
];
const published = filterTable.map(([message]) => message);
const expected = filterTable.filter(([, wanted]) => wanted).map(([message]) => message);

for (const transport of transports) {
  describe(`their_pub_our_sub (${transport})`, () => {
    // Their PUB binds, our SUB connects and subscribes; probes flow until the subscription arrived.
    async function subscribed(topics: string[], probe: string) {
      const peer = await theirs();
      await peer.create('pub', { sendHighWaterMark: roomy.sendHighWaterMark });
      const bound = await peer.bind(endpoint(transport));
      const sub = ours(new Sub(roomy));
      const events = watch(sub);
      sub.connect(bound);
      for (const topic of topics) sub.subscribe(topic);
      await events.wait('handshake');
      await peer.waitEvent('handshake');
      await probeUntil(() => peer.send([probe]), receive(sub, 10_000));
      const next = (count: number) =>
        receiveSkipping(
          () => receive(sub),
          count,
          (m) => isText(m, probe),
        );
      return { peer, next };
    }

    async function deliver(messages: Frames[]) {
      const { peer, next } = await subscribed([''], 'probe');
      const sending = peer.sendMany(messages);
      const got = await next(messages.length);
      await sending;
      expect(fingerprints(got)).toEqual(fingerprints(messages));
    }

    carriesMessageSets(deliver, [['topic', oneMiB], ['after']]);

    test('subscription filtering', async () => {
      const { peer, next } = await subscribed(['a.', 'c'], 'a.probe');
      await peer.sendMany([...published, ['a.end']]);
      expect(fingerprints(await next(expected.length + 1))).toEqual(fingerprints([...expected, ['a.end']]));
    });
  });

  describe(`their_sub_our_pub (${transport})`, () => {
    async function subscribed(topics: string[], probe: string) {
      const pub = ours(new Pub(roomy));
      const peer = await theyConnect(pub, transport, {
        type: 'sub',
        options: { receiveHighWaterMark: roomy.receiveHighWaterMark },
        prepare: async (p) => {
          for (const topic of topics) await p.subscribe(topic);
        },
      });
      // Their receive times out cleanly, so each probe gets a short wait of its own.
      const deadline = Date.now() + 10_000;
      while ((await peer.receiveOrNothing(30)) === undefined) {
        if (Date.now() > deadline) throw new Error('their SUB never got a probe');
        await pub.send([probe]);
      }
      const next = async (count: number) =>
        receiveSkipping(
          async () => peer.receive(),
          count,
          (m) => isText(m, probe),
        );
      return { pub, next };
    }

    async function deliver(messages: Frames[]) {
      const { pub, next } = await subscribed([''], 'probe');
      for (const message of messages) await pub.send(message);
      expect(fingerprints(await next(messages.length))).toEqual(fingerprints(messages));
    }

    carriesMessageSets(deliver, [['topic', oneMiB], ['after']]);

    test('subscription filtering', async () => {
      const { pub, next } = await subscribed(['a.', 'c'], 'a.probe');
      for (const message of [...published, ['a.end']]) await pub.send(message);
      expect(fingerprints(await next(expected.length + 1))).toEqual(fingerprints([...expected, ['a.end']]));
    });
  });

  describe(`their_xpub_our_sub (${transport})`, () => {
    test('subscribe and unsubscribe reach the publisher', async () => {
      const peer = await theirs();
      await peer.create('xpub');
      const bound = await peer.bind(endpoint(transport));
      const sub = ours(new Sub());
      const events = watch(sub);
      sub.connect(bound);
      await events.wait('handshake');
      sub.subscribe('a.');
      expect(fingerprint(await peer.receive())).toEqual(fingerprint([Buffer.from('\x01a.')]));
      // The subscription is in place once XPUB reported it, so no probing is needed.
      await peer.sendMany([['b.1'], ['a.1', 'x']]);
      expect(fingerprint(await receive(sub))).toEqual(fingerprint(['a.1', 'x']));
      sub.unsubscribe('a.');
      expect(fingerprint(await peer.receive())).toEqual(fingerprint([Buffer.from('\x00a.')]));
    });
  });
}
