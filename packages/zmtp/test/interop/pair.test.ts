/** Interop: libzmq PAIR against ours in both directions, over tcp and ipc (RFC 31 exclusive pair). */
import { describe, expect, test } from 'bun:test';
import { Pair } from '../../src/index.ts';
import {
  boundaryMessages,
  endpoint,
  type Frames,
  fingerprints,
  multipartStream,
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
import type { LibzmqPeer } from './libzmq-peer.ts';

useInteropCleanup();

/** Their PAIR echoes; ours sends everything, then reads the echoes back in order. */
async function echoed(pair: Pair, peer: LibzmqPeer, messages: Frames[]): Promise<void> {
  await peer.echo();
  for (const message of messages) await pair.send(message);
  const got: Buffer[][] = [];
  for (const _ of messages) got.push(await receive(pair));
  expect(fingerprints(got)).toEqual(fingerprints(messages));
}

for (const transport of transports) {
  describe(`their_pair_our_pair, ours binding (${transport})`, () => {
    async function connected() {
      const pair = ours(new Pair());
      return { pair, peer: await theyConnect(pair, transport, { type: 'pair' }) };
    }

    test('payload boundaries', async () => {
      const { pair, peer } = await connected();
      await echoed(pair, peer, boundaryMessages);
    });
    test('1 MiB both ways', async () => {
      const { pair, peer } = await connected();
      await echoed(pair, peer, [[oneMiB]]);
    });
  });

  describe(`their_pair_our_pair, theirs binding (${transport})`, () => {
    async function connected() {
      const pair = ours(new Pair());
      return { pair, peer: await weConnect(pair, transport, { type: 'pair' }) };
    }

    test('payload boundaries', async () => {
      const { pair, peer } = await connected();
      await echoed(pair, peer, boundaryMessages);
    });
    test('1,000-message multipart stream both ways', async () => {
      const { pair, peer } = await connected();
      await echoed(pair, peer, multipartStream());
    });
  });

  describe(`their_pairs_our_pair (${transport})`, () => {
    test('a second libzmq PAIR is refused while the first one holds ours', async () => {
      const pair = ours(new Pair());
      const events = watch(pair);
      await pair.bind(endpoint(transport));
      const peer = await theirs();
      for (const name of ['first', 'second']) await peer.create('pair', { reconnectInterval: 60_000 }, name);
      await peer.connect(String(pair.lastEndpoint), 'first');
      await events.wait('handshake');
      await peer.connect(String(pair.lastEndpoint), 'second');
      await events.wait('disconnected');
      await pair.send(['to the first']);
      expect((await peer.receive(5000, 'first')).map(String)).toEqual(['to the first']);
      await peer.send(['from the first'], 'first');
      expect((await receive(pair)).map(String)).toEqual(['from the first']);
    });
  });
}
