import { afterEach, describe, expect, test } from 'bun:test';
import { Pub, Sub } from '../src/index.ts';
import { Fixture, nextEvent, TRANSPORTS, waitFor, within } from './helpers.ts';
import { RawPeer } from './raw-peer.ts';

const dataFrames = (peer: RawPeer) =>
  peer.items.flatMap((item) => (item.kind === 'frame' && (item.flags & 0x04) === 0 ? [item] : []));

for (const transport of TRANSPORTS) {
  describe(`ZMTP 3.0 peers (${transport})`, () => {
    let fx: Fixture;
    let stop: (() => void) | undefined;
    afterEach(() => {
      stop?.();
      stop = undefined;
      fx.cleanup();
    });

    test('our SUB sends subscriptions to a 3.0 publisher as 0x01/0x00 data frames', async () => {
      fx = new Fixture(transport);
      const server = RawPeer.listen(transport === 'ipc' ? fx.path() : undefined);
      stop = server.stop;
      const sub = fx.track(new Sub());
      sub.subscribe('news');
      sub.connect(server.endpoint);
      await waitFor(() => server.peer.connected);
      server.peer.handshake('PUB', 0);
      await waitFor(() => dataFrames(server.peer).length === 1);
      sub.unsubscribe('news');
      await waitFor(() => dataFrames(server.peer).length === 2);
      expect(dataFrames(server.peer).map((f) => [f.flags, f.body.toString('latin1')])).toEqual([
        [0, '\x01news'],
        [0, '\x00news'],
      ]);
      expect(server.peer.commands()).toEqual(['READY']);
    });

    test('our PUB accepts 0x01 data-frame subscriptions from a 3.0 subscriber', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new Pub());
      const endpoint = await fx.bind(pub);
      const peer = await RawPeer.connect(endpoint);
      try {
        const handshake = nextEvent(pub, 'handshake');
        peer.handshake('SUB', 0);
        await within(handshake);
        peer.sendMessage(['\x01a']);
        await waitFor(() => {
          pub.send(['a-topic', 'body']);
          pub.send(['b-topic', 'body']);
          return dataFrames(peer).length >= 2;
        });
        const topics = new Set(dataFrames(peer).map((f) => f.body.toString()));
        expect([...topics].sort()).toEqual(['a-topic', 'body']);
      } finally {
        peer.close();
      }
    });
  });
}
