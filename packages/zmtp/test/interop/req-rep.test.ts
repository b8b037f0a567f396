/** Interop: libzmq REQ/REP against ours in both directions, over tcp and ipc (RFC 28 envelopes). */
import { describe, expect, test } from 'bun:test';
import { Rep, Req } from '../../src/index.ts';
import {
  carriesMessageSets,
  endpoint,
  type Frames,
  fingerprints,
  type OurSocket,
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

/** Our REP answers each request with its frames reversed, so replies differ from requests. */
async function serve(rep: OurSocket, count: number): Promise<Buffer[][]> {
  const requests: Buffer[][] = [];
  for (let i = 0; i < count; i += 1) {
    const request = await receive(rep);
    requests.push(request);
    await rep.send([...request].reverse());
  }
  return requests;
}

for (const transport of transports) {
  describe(`their_req_our_rep (${transport})`, () => {
    async function connected() {
      const rep = ours(new Rep());
      return { rep, peer: await theyConnect(rep, transport, { type: 'req' }) };
    }

    async function roundTrips(messages: Frames[]) {
      const { rep, peer } = await connected();
      const serving = serve(rep, messages.length);
      const replies = await peer.roundTrips(messages, 10_000);
      expect(fingerprints(await serving)).toEqual(fingerprints(messages));
      expect(fingerprints(replies)).toEqual(fingerprints(messages.map((m) => [...m].reverse())));
    }

    carriesMessageSets(roundTrips, [['head', oneMiB]]);
  });

  describe(`their_rep_our_req (${transport})`, () => {
    async function connected() {
      const req = ours(new Req());
      return { req, peer: await weConnect(req, transport, { type: 'rep', prepare: (p) => p.echo() }) };
    }

    async function roundTrips(messages: Frames[]) {
      const { req } = await connected();
      const replies: Buffer[][] = [];
      for (const message of messages) {
        await req.send(message);
        replies.push(await receive(req));
      }
      expect(fingerprints(replies)).toEqual(fingerprints(messages));
    }

    carriesMessageSets(roundTrips, [['head', oneMiB]]);
  });

  describe(`their_router_our_req (${transport})`, () => {
    test('our REQ puts the empty delimiter on the wire and strips it from the reply', async () => {
      const peer = await theirs();
      await peer.create('router');
      const bound = await peer.bind(endpoint(transport));
      const req = ours(new Req({ routingId: 'our-req' }));
      req.connect(bound);
      await req.send(['hello', '']);
      expect((await peer.receive()).map(String)).toEqual(['our-req', '', 'hello', '']);
      await peer.send(['our-req', '', 'world']);
      expect((await receive(req)).map(String)).toEqual(['world']);
    });
  });

  describe(`their_dealer_our_rep (${transport})`, () => {
    test('our REP strips the whole envelope and restores it on the reply', async () => {
      const rep = ours(new Rep());
      await rep.bind(endpoint(transport));
      const peer = await theirs();
      await peer.create('dealer');
      await peer.connect(String(rep.lastEndpoint));
      await peer.send(['hop-2', 'hop-1', '', 'hello']);
      expect((await receive(rep)).map(String)).toEqual(['hello']);
      await rep.send(['world', '']);
      expect((await peer.receive()).map(String)).toEqual(['hop-2', 'hop-1', '', 'world', '']);
    });
  });

  describe(`their_rep_our_req (${transport}) relaxed and correlated`, () => {
    test('the reply to a superseded request is dropped by its id, the latest one is delivered', async () => {
      const peer = await theirs();
      await peer.create('rep');
      const bound = await peer.bind(endpoint(transport));
      const req = ours(new Req({ relaxed: true, correlate: true }));
      req.connect(bound);
      await req.send(['first']);
      // libzmq's REP must see (and echo back) our request-id frame as part of the envelope.
      expect((await peer.receive()).map(String)).toEqual(['first']);
      await req.send(['second']);
      await peer.send(['reply to first']);
      expect((await peer.receive()).map(String)).toEqual(['second']);
      await peer.send(['reply to second']);
      expect((await receive(req)).map(String)).toEqual(['reply to second']);
    });
  });
}
