/** Interop: connect before bind in both directions; messages queued meanwhile arrive once bound. */
import { describe, expect, test } from 'bun:test';
import { Dealer, Router } from '../../src/index.ts';
import {
  endpoint,
  ours,
  receive,
  type Transport,
  theirs,
  transports,
  useInteropCleanup,
  watch,
} from './interop-helpers.ts';

useInteropCleanup();

/** An endpoint nobody listens on yet: a fresh socket path, or a tcp port just released. */
function unbound(transport: Transport): string {
  if (transport === 'ipc') return endpoint('ipc');
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return `tcp://127.0.0.1:${port}`;
}

for (const transport of transports) {
  describe(`connect before bind (${transport})`, () => {
    test(`their_router_our_dealer (${transport})`, async () => {
      const at = unbound(transport);
      const dealer = ours(new Dealer({ routingId: 'early-bird', reconnectInterval: 50 }));
      const events = watch(dealer);
      dealer.connect(at);
      // libzmq queues on a connect endpoint before any peer exists; ours must too, not wait or drop.
      await dealer.send(['queued before bind']);
      const peer = await theirs();
      await peer.create('router');
      await peer.bind(at);
      await events.wait('handshake');
      expect((await peer.receive()).map(String)).toEqual(['early-bird', 'queued before bind']);
    });

    test(`their_dealer_our_router (${transport})`, async () => {
      const at = unbound(transport);
      const peer = await theirs();
      await peer.create('dealer', { routingId: 'early-bird', reconnectInterval: 50 });
      await peer.connect(at);
      await peer.send(['queued before bind']);
      const router = ours(new Router());
      await router.bind(at);
      expect((await receive(router)).map(String)).toEqual(['early-bird', 'queued before bind']);
      await router.send(['early-bird', 'welcome']);
      expect((await peer.receive()).map(String)).toEqual(['welcome']);
    });
  });
}
