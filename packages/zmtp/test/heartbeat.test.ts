import { afterEach, describe, expect, test } from 'bun:test';
import { Dealer, encodeCommandFrame, encodePing, Router } from '../src/index.ts';
import { Fixture, nextEvent, TRANSPORTS, text, waitFor, within } from './helpers.ts';
import { RawPeer } from './raw-peer.ts';

for (const transport of TRANSPORTS) {
  describe(`heartbeats (${transport})`, () => {
    let fx: Fixture;
    let stop: (() => void) | undefined;
    afterEach(() => {
      stop?.();
      stop = undefined;
      fx.cleanup();
    });

    function rawServer(): { peer: RawPeer; endpoint: string } {
      const server = RawPeer.listen(transport === 'ipc' ? fx.path() : undefined);
      stop = server.stop;
      return server;
    }

    test('a peer that goes silent after the handshake is dropped after the heartbeat timeout', async () => {
      fx = new Fixture(transport);
      const { peer, endpoint } = rawServer();
      const dealer = fx.track(
        new Dealer({ heartbeatInterval: 30, heartbeatTimeout: 60, reconnectInterval: 5000 }),
      );
      const handshake = nextEvent(dealer, 'handshake');
      const dropped = nextEvent(dealer, 'disconnected');
      dealer.connect(endpoint);
      await waitFor(() => peer.connected);
      peer.handshake('ROUTER');
      await within(handshake);
      const started = performance.now();
      expect((await within(dropped, 3000)).reason).toStartWith('HEARTBEAT_TIMEOUT');
      // Generous bounds: interval + timeout is 90 ms; allow for a noisy machine.
      expect(performance.now() - started).toBeLessThan(2000);
      expect(peer.commands()).toContain('PING');
    });

    test('a peer that answers PINGs stays connected, and our PONG echoes the context', async () => {
      fx = new Fixture(transport);
      const { peer, endpoint } = rawServer();
      // The timeout is far above a loaded machine's event-loop stalls: this test is about the PONGs; that
      // traffic keeps a connection alive is the quiet-connection test below.
      const dealer = fx.track(new Dealer({ heartbeatInterval: 20, heartbeatTimeout: 2000 }));
      let disconnected = false;
      dealer.events.on('disconnected', () => {
        disconnected = true;
      });
      dealer.connect(endpoint);
      await waitFor(() => peer.connected);
      peer.handshake('ROUTER');
      // Keep talking (any traffic counts as liveness) for several heartbeat periods.
      for (let i = 0; i < 10; i++) {
        peer.write(encodeCommandFrame(encodePing(0, Buffer.from(`ctx${i}`))));
        await Bun.sleep(20);
      }
      await waitFor(() => peer.commands().filter((name) => name === 'PONG').length === 10);
      const pongs = peer.items.flatMap((item) =>
        item.kind === 'frame' && item.body.toString('latin1', 1, 5) === 'PONG'
          ? [item.body.toString('latin1', 5)]
          : [],
      );
      expect(pongs).toEqual(Array.from({ length: 10 }, (_, i) => `ctx${i}`));
      expect(disconnected).toBe(false);
    });

    test('the TTL of a peer PING closes the connection when the peer then goes silent', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router());
      const endpoint = await fx.bind(router);
      const peer = await RawPeer.connect(endpoint);
      const handshake = nextEvent(router, 'handshake');
      peer.handshake('DEALER');
      await within(handshake);
      const dropped = nextEvent(router, 'disconnected');
      peer.write(encodeCommandFrame(encodePing(100)));
      expect((await within(dropped, 3000)).reason).toStartWith('HEARTBEAT_TIMEOUT');
      peer.close();
    });

    test('two of our sockets with heartbeats keep a quiet connection alive', async () => {
      fx = new Fixture(transport);
      // Windows well above the stalls of a loaded 2-core machine (both sockets share one event loop, so a
      // 100 ms stall used to look like 100 ms of silence); the wait still spans several timeouts.
      const options = { heartbeatInterval: 50, heartbeatTimeout: 400, heartbeatTimeToLive: 1200 };
      const router = fx.track(new Router(options));
      const dealer = fx.track(new Dealer({ ...options, routingId: 'hb' }));
      let drops = 0;
      router.events.on('disconnected', () => drops++);
      dealer.connect(await fx.bind(router));
      await within(nextEvent(router, 'handshake'));
      await Bun.sleep(1500);
      await dealer.send('still alive');
      expect(text(await within(router.receive()))).toEqual(['hb', 'still alive']);
      expect(drops).toBe(0);
    });
  });

  describe(`heartbeats with reading paused (${transport})`, () => {
    let fx: Fixture;
    afterEach(() => fx.cleanup());

    test('a peer is not dropped for silence while we stopped reading at the receive HWM', async () => {
      fx = new Fixture(transport);
      const router = fx.track(
        // A timeout above a loaded machine's stalls; the pause below still spans four of them.
        new Router({ receiveHighWaterMark: 2, heartbeatInterval: 100, heartbeatTimeout: 500 }),
      );
      const dealer = fx.track(new Dealer({ routingId: 'busy' }));
      let drops = 0;
      router.events.on('disconnected', () => drops++);
      dealer.connect(await fx.bind(router));
      const total = 400;
      for (let i = 0; i < total; i++) await dealer.send([`${i}`, Buffer.alloc(8192)]);
      // Not reading lets several heartbeat timeouts pass while the router is paused.
      await Bun.sleep(2000);
      let received = 0;
      while (received < total) {
        await within(router.receive());
        received++;
      }
      expect({ received, drops }).toEqual({ received: total, drops: 0 });
    });
  });
}
