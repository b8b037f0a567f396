/** Interop: our connecting socket survives their libzmq side restarting on the same endpoint. */
import { describe, expect, test } from 'bun:test';
import { Dealer, Push, Req, Sub, XSub } from '../../src/index.ts';
import {
  endpoint,
  isText,
  type OurSocket,
  ours,
  probeUntil,
  receive,
  theirs,
  transports,
  useInteropCleanup,
  watch,
} from './interop-helpers.ts';
import type { LibzmqPeer, TheirType } from './libzmq-peer.ts';

useInteropCleanup();

interface ReconnectCase {
  name: string;
  their: TheirType;
  /** Our socket, the connecting side. */
  make(): OurSocket;
  /** Their side after bind (start echoing, for instance). */
  prepare?(peer: LibzmqPeer): Promise<void>;
  /** Proves a message with `label` gets through on the current connection. */
  exchange(our: OurSocket, peer: LibzmqPeer, label: string): Promise<void>;
  /** True when a send during the outage waits and reaches the restarted peer (DEALER, PUSH). */
  queues: boolean;
}

async function echoed(our: OurSocket, _peer: LibzmqPeer, label: string): Promise<void> {
  await our.send([label]);
  expect((await receive(our)).map(String)).toEqual([label]);
}

/** Receives until a one-frame message equal to `text` arrives (older probes are skipped). */
async function receiveText(our: OurSocket, text: string): Promise<Buffer[]> {
  for (;;) {
    const message = await receive(our, 10_000);
    if (isText(message, text)) return message;
  }
}

const cases: ReconnectCase[] = [
  {
    name: 'their_rep_our_req',
    their: 'rep',
    make: () => new Req(),
    prepare: (peer) => peer.echo(),
    exchange: echoed,
    queues: false,
  },
  {
    name: 'their_router_our_dealer',
    their: 'router',
    make: () => new Dealer({ routingId: 'our-dealer' }),
    prepare: (peer) => peer.echo(),
    exchange: echoed,
    queues: true,
  },
  {
    name: 'their_pull_our_push',
    their: 'pull',
    make: () => new Push(),
    async exchange(our, peer, label) {
      await our.send([label]);
      expect((await peer.receive()).map(String)).toEqual([label]);
    },
    queues: true,
  },
  {
    name: 'their_pub_our_sub',
    their: 'pub',
    make() {
      const sub = new Sub();
      sub.subscribe('t.');
      return sub;
    },
    // The restarted PUB knows no subscriptions: delivery proves ours re-sent them.
    async exchange(our, peer, label) {
      await probeUntil(() => peer.send([`t.${label}`]), receiveText(our, `t.${label}`), 10_000);
    },
    queues: false,
  },
  {
    name: 'their_xpub_our_xsub',
    their: 'xpub',
    make() {
      const xsub = new XSub();
      xsub.subscribe('t.');
      return xsub;
    },
    async exchange(our, peer, label) {
      expect((await peer.receive()).map(String)).toEqual(['\x01t.']);
      await peer.send([`t.${label}`]);
      expect((await receive(our)).map(String)).toEqual([`t.${label}`]);
    },
    queues: false,
  },
];

for (const transport of transports) {
  describe(`reconnect after their side restarts (${transport})`, () => {
    for (const c of cases) {
      async function start(at: string): Promise<{ peer: LibzmqPeer; bound: string }> {
        const peer = await theirs();
        await peer.create(c.their);
        const bound = await peer.bind(at);
        await c.prepare?.(peer);
        return { peer, bound };
      }

      test(`${c.name} (${transport})`, async () => {
        const first = await start(endpoint(transport));
        const our = ours(c.make());
        const events = watch(our);
        our.connect(first.bound);
        await events.wait('handshake');
        await c.exchange(our, first.peer, 'before');

        await first.peer.kill();
        await events.wait('disconnected');
        const since = events.events.length;
        // A send during the outage must wait for the restarted peer, not vanish (DEALER, PUSH).
        const queued = c.queues ? our.send(['queued']) : undefined;
        // Observed below; the handler only keeps an early failure from surfacing as unhandled.
        queued?.catch(() => {});

        const second = await start(first.bound);
        await events.wait('handshake', 10_000, since);
        if (queued !== undefined) {
          await queued;
          if (c.their === 'pull') expect((await second.peer.receive()).map(String)).toEqual(['queued']);
          else expect((await receive(our)).map(String)).toEqual(['queued']);
        }
        await c.exchange(our, second.peer, 'after');
      });
    }
  });
}
