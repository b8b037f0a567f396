/** Interop: our heartbeats (ZMTP 3.1 PING/PONG) against libzmq, live and frozen (SIGSTOP). */
import { describe, expect, test } from 'bun:test';
import { Dealer, Pub, Rep, Sub } from '../../src/index.ts';
import {
  endpoint,
  type OurSocket,
  ours,
  receive,
  theirs,
  transports,
  useInteropCleanup,
  watch,
} from './interop-helpers.ts';
import type { TheirType } from './libzmq-peer.ts';

useInteropCleanup();

const heartbeat = { heartbeatInterval: 100, heartbeatTimeout: 300 };
// Generous bound for the noisy 2-core machine: the timeout is 300 ms after the last unanswered PING.
const detectWithin = 3000;

interface HeartbeatCase {
  name: string;
  their: TheirType;
  make(): OurSocket;
  /** Which side binds; the other connects. */
  weBind: boolean;
}

const cases: HeartbeatCase[] = [
  { name: 'their_router_our_dealer', their: 'router', make: () => new Dealer(heartbeat), weBind: false },
  { name: 'their_pub_our_sub', their: 'pub', make: () => new Sub(heartbeat), weBind: false },
  { name: 'their_sub_our_pub', their: 'sub', make: () => new Pub(heartbeat), weBind: true },
  { name: 'their_req_our_rep', their: 'req', make: () => new Rep(heartbeat), weBind: true },
];

async function connected(c: HeartbeatCase, transport: 'tcp' | 'ipc', theirOptions = {}) {
  const peer = await theirs();
  await peer.create(c.their, theirOptions);
  const our = ours(c.make());
  const events = watch(our);
  if (c.weBind) {
    await our.bind(endpoint(transport));
    await peer.connect(String(our.lastEndpoint));
  } else {
    our.connect(await peer.bind(endpoint(transport)));
  }
  await events.wait('handshake');
  await peer.waitEvent('handshake');
  return { our, peer, events };
}

async function frozenIsDropped(c: HeartbeatCase, transport: 'tcp' | 'ipc'): Promise<void> {
  const { peer, events } = await connected(c, transport);
  const frozenAt = Date.now();
  await peer.freeze();
  const event = await events.wait('disconnected', detectWithin);
  expect(event).toMatchObject({ type: 'disconnected', reason: expect.stringMatching(/^HEARTBEAT_TIMEOUT/) });
  expect(Date.now() - frozenAt).toBeLessThan(detectWithin);
}

for (const transport of transports) {
  describe(`heartbeat timeout against a frozen libzmq peer (${transport})`, () => {
    for (const c of cases) {
      test(`${c.name} (${transport})`, () => frozenIsDropped(c, transport));
    }
  });

  describe(`heartbeat against a live libzmq peer (${transport})`, () => {
    test(`their_router_our_dealer (${transport}) stays connected while idle`, async () => {
      const { our, peer, events } = await connected(cases[0] as HeartbeatCase, transport);
      await peer.echo();
      // Nothing but PING/PONG crosses the wire for several timeouts; this wait is the behaviour under
      // test (libzmq's PONGs keep us alive), not a synchronisation, so it cannot be a poll.
      await Bun.sleep(4 * heartbeat.heartbeatTimeout);
      expect(events.events.map((event) => event.type)).toEqual(['connected', 'handshake']);
      await our.send(['still here']);
      expect((await receive(our)).map(String)).toEqual(['still here']);
    });

    test(`their_router_our_dealer (${transport}) answers libzmq's PINGs`, async () => {
      const plain: HeartbeatCase = { ...(cases[0] as HeartbeatCase), make: () => new Dealer() };
      const { our, peer, events } = await connected(plain, transport, heartbeat);
      await peer.echo();
      // libzmq drops a peer that leaves its PINGs unanswered for 300 ms; idle well past that.
      await Bun.sleep(4 * heartbeat.heartbeatTimeout);
      expect(peer.events.filter((event) => event.event === 'disconnect')).toEqual([]);
      expect(events.events.map((event) => event.type)).toEqual(['connected', 'handshake']);
      await our.send(['still here']);
      expect((await receive(our)).map(String)).toEqual(['still here']);
    });

    test(`their_router_our_dealer (${transport}) honours the TTL of libzmq's PINGs`, async () => {
      // Our socket sends no heartbeats; only the TTL (RFC 37 §2.8) their PINGs carry can end the link.
      const plain: HeartbeatCase = { ...(cases[0] as HeartbeatCase), make: () => new Dealer() };
      const { events, peer } = await connected(plain, transport, {
        heartbeatInterval: 100,
        heartbeatTimeToLive: 500,
      });
      // Let a few PINGs (and so the TTL) arrive before the peer goes silent.
      await Bun.sleep(300);
      const frozenAt = Date.now();
      await peer.freeze();
      const event = await events.wait('disconnected', detectWithin);
      expect(event).toMatchObject({
        type: 'disconnected',
        reason: expect.stringMatching(/^HEARTBEAT_TIMEOUT/),
      });
      expect(Date.now() - frozenAt).toBeLessThan(detectWithin);
    });
  });

  describe(`handshake timeout against a frozen libzmq listener (${transport})`, () => {
    test(`their_router_our_dealer (${transport})`, async () => {
      const peer = await theirs();
      await peer.create('router');
      const bound = await peer.bind(endpoint(transport));
      // Frozen before we dial: the kernel still accepts the connection, but no greeting ever comes.
      await peer.freeze();
      const dealer = ours(new Dealer({ handshakeTimeout: 300 }));
      const events = watch(dealer);
      const dialedAt = Date.now();
      dealer.connect(bound);
      const failed = await events.wait('handshake-failed', detectWithin);
      expect(failed).toMatchObject({ type: 'handshake-failed', error: { code: 'TIMEOUT' } });
      expect(Date.now() - dialedAt).toBeLessThan(detectWithin);
    });
  });
}
