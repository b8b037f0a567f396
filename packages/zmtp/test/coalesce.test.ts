// The `coalesce` option of PUB/XPUB: what is sent to a peer in one event-loop turn leaves in one write at
// the end of the turn, in order, complete and once each, and nothing is lost to a close in that turn. With
// `coalesce: 'burst'` what one run of synchronous code sends leaves in one write as soon as it yields.
import { afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { spawnFixture } from '../../../tests/support/process.ts';
import { Pub, Sub, XPub } from '../src/index.ts';
import { Fixture, TRANSPORTS, text, waitFor, within } from './helpers.ts';

/** Publishes `probe` until the subscriber receives it, proving its subscription reached the publisher. */
async function untilSubscribed(pub: Pub | XPub, sub: Sub, probe: string): Promise<void> {
  let got = false;
  sub.receive().then(() => {
    got = true;
  });
  await waitFor(
    () => {
      if (!got) pub.send([probe]).catch(() => {});
      return got;
    },
    5000,
    'subscription to reach the publisher',
  );
  // Probes sent before the first one arrived may still be on their way: read up to a last marker.
  const marker = `${probe}.last`;
  await pub.send([marker]);
  while (text(await within(sub.receive()))[0] !== marker) {}
}

for (const transport of TRANSPORTS) {
  describe(`coalesce (${transport})`, () => {
    let fx: Fixture;
    afterEach(() => fx.cleanup());

    test("a turn's messages reach a subscriber in another process in one read, in order", async () => {
      fx = new Fixture(transport);
      const xpub = fx.track(new XPub({ coalesce: true }));
      const reader = spawnFixture(join(import.meta.dir, 'raw-sub-fixture.ts'), [await fx.bind(xpub)]);
      try {
        await reader.waitFor('READY');
        expect([...(await within(xpub.receive()))[0]!]).toEqual([1]);
        await Bun.sleep(20);
        const before = reader.lines.length;
        for (const body of ['step_start', 'sequence_status', 'log']) {
          void xpub.send([body]);
          // Work in the same turn, long enough for the reader to read a message written at once.
          Bun.sleepSync(5);
        }
        await reader.waitFor(/ step_start,sequence_status,log$/);
        // One read brought all three: the line of the read before them, if any, and the one of theirs.
        expect(reader.lines.slice(before)).toEqual([
          expect.stringMatching(/^READ \d+ step_start,sequence_status,log$/),
        ]);
      } finally {
        await reader.kill();
      }
    });

    test("'burst': one run of code's messages in one write, sent before the turn's later code runs", async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new XPub({ coalesce: 'burst' }));
      const reader = spawnFixture(join(import.meta.dir, 'raw-sub-fixture.ts'), [await fx.bind(pub)]);
      try {
        await reader.waitFor('READY');
        // The reader's subscription arrived: what is sent from now on reaches it.
        expect([...(await within(pub.receive()))[0]!]).toEqual([1]);
        await Bun.sleep(20);
        const before = reader.lines.length;
        // Two bursts in one turn, as a sequence run's steps are (each continues in a promise callback):
        // each burst leaves when its code yields, not at the end of the turn.
        for (const burst of [
          ['step_complete', 'x'],
          ['step_start', 'sequence_status'],
        ]) {
          for (const body of burst) {
            void pub.send([body]);
            Bun.sleepSync(5);
          }
          await Promise.resolve();
          // Later code of the same turn, long enough for the reader to read what was written.
          Bun.sleepSync(40);
        }
        await reader.waitFor(/,step_start,sequence_status$/);
        expect(reader.lines.slice(before)).toEqual([
          expect.stringMatching(/^READ \d+ .*step_complete,x$/),
          expect.stringMatching(/^READ \d+ .*step_complete,x,step_start,sequence_status$/),
        ]);
      } finally {
        await reader.kill();
      }
    });

    test('each subscriber gets its own topics once each, in order, a burst past one batch whole', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new Pub({ coalesce: true }));
      const endpoint = await fx.bind(pub);
      const a = fx.track(new Sub());
      const b = fx.track(new Sub());
      a.connect(endpoint);
      b.connect(endpoint);
      a.subscribe('a.');
      b.subscribe('b.');
      await untilSubscribed(pub, a, 'a.probe');
      await untilSubscribed(pub, b, 'b.probe');
      // More than the 256 messages one write carries at most: the rest follow, in order.
      const count = 600;
      for (let i = 0; i < count; i++) void pub.send([i % 3 === 0 ? 'b.' : 'a.', String(i)]);
      const got = async (sub: Sub, n: number) => {
        const out: string[] = [];
        for (let i = 0; i < n; i++) out.push(text(await within(sub.receive())).join(' '));
        return out;
      };
      const all = Array.from({ length: count }, (_, i) => `${i % 3 === 0 ? 'b.' : 'a.'} ${i}`);
      expect(await got(a, 400)).toEqual(all.filter((m) => m.startsWith('a.')));
      expect(await got(b, 200)).toEqual(all.filter((m) => m.startsWith('b.')));
      // Nothing doubled: the next message on each is a fresh one.
      void pub.send(['a.', 'end']);
      void pub.send(['b.', 'end']);
      expect(text(await within(a.receive()))).toEqual(['a.', 'end']);
      expect(text(await within(b.receive()))).toEqual(['b.', 'end']);
    });

    test('messages sent in the turn of close() are still delivered', async () => {
      fx = new Fixture(transport);
      const pub = new Pub({ coalesce: true });
      const endpoint = await fx.bind(pub);
      const sub = fx.track(new Sub());
      sub.connect(endpoint);
      sub.subscribe('');
      await untilSubscribed(pub, sub, 'probe');
      void pub.send(['last words']);
      void pub.send(['really last']);
      pub.close();
      expect(text(await within(sub.receive()))).toEqual(['last words']);
      expect(text(await within(sub.receive()))).toEqual(['really last']);
    });
  });
}
