/**
 * The steady-state message path: how much it allocates (garbage is what made the latency tail, issue
 * 23), and that framing into one shared buffer never corrupts a message the kernel took only in part.
 */

import { gcAndSweep, heapStats } from 'bun:jsc';
import { afterEach, describe, expect, test } from 'bun:test';
import { Dealer, Pub, Rep, Req, Router, Sub } from '../src/index.ts';
import { Fixture, TRANSPORTS, waitFor } from './helpers.ts';

/** JS heap cells allocated per call of `step`, over a batch with no collection in it (retried if one ran). */
async function cellsPer(step: () => Promise<void>, batch = 500, warmup = 2000): Promise<number> {
  for (let i = 0; i < warmup; i++) await step(); // let the JIT settle first
  for (let attempt = 0; attempt < 5; attempt++) {
    gcAndSweep();
    const canary = new WeakRef({});
    const before = heapStats().objectTypeCounts;
    for (let i = 0; i < batch; i++) await step();
    const after = heapStats().objectTypeCounts;
    if (canary.deref() === undefined) continue; // a collection ran: the counts lost its garbage
    let cells = 0;
    for (const [type, count] of Object.entries(after)) cells += count - (before[type] ?? 0);
    return cells / batch;
  }
  throw new Error('a garbage collection ran during every batch');
}

describe.each(TRANSPORTS)('hot path (%s)', (transport) => {
  let fx: Fixture;
  afterEach(() => fx.cleanup());

  // Both ends live in this process, so each figure is client + server + this test's own async step (about
  // 5 cells). Before the rework a DEALER/ROUTER round trip made 36 cells and REQ/REP 45: a buffer per
  // framed message, a copy of each frame list, a string per routed message, a closure per waiting
  // receive(). What is left is mostly what the API hands out: the received chunk, one Buffer and one
  // array per message, and a promise per receive() that has to wait.
  test('a DEALER/ROUTER round trip allocates at most 26 heap cells', async () => {
    fx = new Fixture(transport);
    const router = fx.track(new Router());
    const dealer = fx.track(new Dealer({ routingId: 'client' }));
    dealer.connect(await fx.bind(router));
    void (async () => {
      for await (const message of router) await router.send(message);
    })();
    const body = Buffer.alloc(200, 1);
    const cells = await cellsPer(async () => {
      await dealer.send(body);
      await dealer.receive();
    });
    expect(cells).toBeLessThanOrEqual(26);
  });

  test('a REQ/REP round trip allocates at most 26 heap cells', async () => {
    fx = new Fixture(transport);
    const rep = fx.track(new Rep());
    const req = fx.track(new Req());
    req.connect(await fx.bind(rep));
    void (async () => {
      for await (const message of rep) await rep.send(message);
    })();
    const body = Buffer.alloc(200, 1);
    const cells = await cellsPer(async () => {
      await req.send(body);
      await req.receive();
    });
    expect(cells).toBeLessThanOrEqual(26);
  });

  // Publishing alone is deterministic (no I/O callback runs between sends that resolve at once), so it is
  // counted on its own: with the frame list reused, the library adds nothing per message. It added about
  // 3 cells before: a Buffer for the string topic, a copy of the frame list and a buffer for the framing.
  // What a subscriber allocates depends on how the kernel batched its reads; the round trips above
  // cover the receive path.
  test('publishing [string topic, body] allocates nothing per message', async () => {
    fx = new Fixture(transport);
    const pub = fx.track(new Pub({ sendHighWaterMark: 0 }));
    const sub = fx.track(new Sub({ receiveHighWaterMark: 0 }));
    sub.subscribe('data');
    sub.connect(await fx.bind(pub));
    const first = sub.receive();
    let joined = false;
    void first.then(() => {
      joined = true;
    });
    await waitFor(() => {
      void pub.send(['data', 'join']);
      return joined;
    });
    const frames = ['data', Buffer.alloc(200, 1)];
    const burst = 100;
    // The subscriber reads each burst before the next, so no send ever meets a full kernel buffer.
    let received = 0;
    void (async () => {
      for await (const [, body] of sub) if (body?.length === 200) received++;
    })();
    const publish = async (count: number): Promise<void> => {
      const target = received + count;
      for (let i = 0; i < count; i++) await pub.send(frames);
      await waitFor(() => received >= target);
    };
    const during = async (count: number): Promise<number> => {
      for (let attempt = 0; attempt < 5; attempt++) {
        gcAndSweep();
        const canary = new WeakRef({});
        const before = heapStats().objectTypeCounts;
        const target = received + count;
        for (let i = 0; i < count; i++) await pub.send(frames);
        const after = heapStats().objectTypeCounts;
        await waitFor(() => received >= target);
        if (canary.deref() === undefined) continue;
        let cells = 0;
        for (const [type, n] of Object.entries(after)) cells += n - (before[type] ?? 0);
        return cells;
      }
      throw new Error('a garbage collection ran during every batch');
    };
    for (let i = 0; i < 100; i++) await publish(burst); // let the JIT settle first
    // An empty batch measures what the counting itself allocates.
    const cells = (await during(burst)) - (await during(0));
    expect(cells / burst).toBeLessThanOrEqual(0.25);
  });

  test('messages the kernel takes only in part arrive whole and in order', async () => {
    fx = new Fixture(transport);
    // The router stops reading at once, so the kernel buffers fill and our writes come back short.
    const router = fx.track(new Router({ receiveHighWaterMark: 1 }));
    const dealer = fx.track(new Dealer({ sendHighWaterMark: 0 }));
    dealer.connect(await fx.bind(router));
    const sizes = [...Array.from({ length: 60 }, (_, i) => 1000 + i * 1111), 8 * 1024 * 1024];
    const sent = sizes.map((size, i) => Buffer.alloc(size, i + 1));
    await Promise.all(sent.map((body, i) => dealer.send([Buffer.from(`#${i}`), body])));
    for (let i = 0; i < sent.length; i++) {
      const [, label, body] = await router.receive();
      expect({ label: label?.toString(), equal: body?.equals(sent[i]!) }).toEqual({
        label: `#${i}`,
        equal: true,
      });
    }
  });
});
