/** Interop: libzmq PUSH/PULL against ours in both directions, over tcp and ipc. */
import { describe, expect, test } from 'bun:test';
import { Pull, Push } from '../../src/index.ts';
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
  watch,
  weConnect,
} from './interop-helpers.ts';

useInteropCleanup();

for (const transport of transports) {
  describe(`their_push_our_pull (${transport})`, () => {
    async function deliver(messages: Frames[]) {
      const pull = ours(new Pull());
      const peer = await theyConnect(pull, transport, { type: 'push' });
      const sending = peer.sendMany(messages);
      const got: Buffer[][] = [];
      for (const _ of messages) got.push(await receive(pull));
      await sending;
      expect(fingerprints(got)).toEqual(fingerprints(messages));
    }

    carriesMessageSets(deliver, [[oneMiB], ['after']]);
  });

  describe(`their_pull_our_push (${transport})`, () => {
    async function deliver(messages: Frames[]) {
      const push = ours(new Push());
      const peer = await weConnect(push, transport, { type: 'pull' });
      const got = peer.receiveMany(messages.length, 10_000);
      for (const message of messages) await push.send(message);
      expect(fingerprints(await got)).toEqual(fingerprints(messages));
    }

    carriesMessageSets(deliver, [[oneMiB], ['after']]);
  });

  describe(`their_pull_our_push (${transport}) frozen, then thawed`, () => {
    test('sends wait while libzmq reads nothing and every message arrives in order after', async () => {
      const peer = await theirs();
      await peer.create('pull', { receiveHighWaterMark: 10 });
      const bound = await peer.bind(endpoint(transport));
      const push = ours(new Push({ sendHighWaterMark: 10 }));
      const events = watch(push);
      push.connect(bound);
      await events.wait('handshake');
      const messages = Array.from({ length: 1000 }, (_, i) => [`m${i}`, bytes(10_000, i)]);
      const got = peer.receiveMany(messages.length, 15_000);
      await peer.freeze();
      let blocked = false;
      for (const message of messages) {
        const sent = push.send(message);
        // Socket buffers and the high-water mark fill up long before 10 MB: a send must then wait.
        if (!blocked && (await Promise.race([sent.then(() => false), Bun.sleep(300).then(() => true)]))) {
          blocked = true;
          peer.thaw();
        }
        await sent;
      }
      expect(blocked).toBe(true);
      expect(fingerprints(await got)).toEqual(fingerprints(messages));
    });
  });
}
