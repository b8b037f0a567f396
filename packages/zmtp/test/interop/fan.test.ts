/** Interop: one of our sockets with two libzmq peers (load balancing, fair queuing, routing, fan-out). */
import { describe, expect, test } from 'bun:test';
import { Pub, Pull, Push, Router } from '../../src/index.ts';
import { endpoint, ours, receive, theirs, transports, useInteropCleanup, watch } from './interop-helpers.ts';
import type { LibzmqPeer, TheirType } from './libzmq-peer.ts';

useInteropCleanup();

/** Starts one Node peer holding sockets 'one' and 'two' of `type`, both connected to `at`. */
async function twoOfTheirs(
  type: TheirType,
  at: string,
  options: (name: string) => Record<string, unknown> = () => ({}),
): Promise<LibzmqPeer> {
  const peer = await theirs();
  for (const name of ['one', 'two']) {
    await peer.create(type, options(name), name);
    await peer.connect(at, name);
  }
  return peer;
}

/** Waits until our socket has completed `count` handshakes. */
async function handshakes(events: ReturnType<typeof watch>, count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (events.events.filter((event) => event.type === 'handshake').length < count) {
    await events.wait('handshake', Math.max(1, deadline - Date.now()), events.events.length);
  }
}

const texts = (messages: Buffer[][]) => messages.map((message) => message.map(String));

for (const transport of transports) {
  describe(`their_pulls_our_push (${transport})`, () => {
    test('messages are dealt round-robin to both libzmq pullers', async () => {
      const push = ours(new Push());
      const events = watch(push);
      await push.bind(endpoint(transport));
      const peer = await twoOfTheirs('pull', String(push.lastEndpoint));
      await handshakes(events, 2);
      for (let i = 0; i < 10; i += 1) await push.send([`m${i}`]);
      const one = texts(await peer.receiveMany(5, 5000, 'one'));
      const two = texts(await peer.receiveMany(5, 5000, 'two'));
      // Which puller got the first message depends on handshake order; the alternation does not.
      const [first, second] = one[0]?.[0] === 'm0' ? [one, two] : [two, one];
      expect({ first, second }).toEqual({
        first: [['m0'], ['m2'], ['m4'], ['m6'], ['m8']],
        second: [['m1'], ['m3'], ['m5'], ['m7'], ['m9']],
      });
    });
  });

  describe(`their_pushes_our_pull (${transport})`, () => {
    test('both libzmq pushers are drained, each in its own order', async () => {
      const pull = ours(new Pull());
      const events = watch(pull);
      await pull.bind(endpoint(transport));
      const peer = await twoOfTheirs('push', String(pull.lastEndpoint));
      await handshakes(events, 2);
      const batch = (name: string) => Array.from({ length: 50 }, (_, i) => [name, String(i)]);
      await Promise.all([peer.sendMany(batch('one'), 'one'), peer.sendMany(batch('two'), 'two')]);
      const got: string[][] = [];
      for (let i = 0; i < 100; i += 1) got.push((await receive(pull)).map(String));
      expect({
        one: got.filter(([name]) => name === 'one'),
        two: got.filter(([name]) => name === 'two'),
      }).toEqual({ one: batch('one'), two: batch('two') });
    });
  });

  describe(`their_dealers_our_router (${transport})`, () => {
    test('replies reach the libzmq dealer named by the routing id', async () => {
      const router = ours(new Router());
      const events = watch(router);
      await router.bind(endpoint(transport));
      const peer = await twoOfTheirs('dealer', String(router.lastEndpoint), (name) => ({ routingId: name }));
      await handshakes(events, 2);
      await peer.send(['from one'], 'one');
      await peer.send(['from two'], 'two');
      const got = [(await receive(router)).map(String), (await receive(router)).map(String)];
      expect(got.sort()).toEqual([
        ['one', 'from one'],
        ['two', 'from two'],
      ]);
      await router.send(['two', 'to two']);
      await router.send(['one', 'to one']);
      expect((await peer.receive(5000, 'one')).map(String)).toEqual(['to one']);
      expect((await peer.receive(5000, 'two')).map(String)).toEqual(['to two']);
    });
  });

  describe(`their_dealers_our_router (${transport}) sharing one routing id`, () => {
    async function sharing(handover: boolean) {
      const router = ours(new Router({ handover }));
      const events = watch(router);
      await router.bind(endpoint(transport));
      const peer = await theirs();
      // A long reconnect interval keeps a displaced dealer from coming straight back.
      await peer.create('dealer', { routingId: 'same', reconnectInterval: 60_000 }, 'first');
      await peer.connect(String(router.lastEndpoint), 'first');
      await events.wait('handshake');
      await peer.create('dealer', { routingId: 'same', reconnectInterval: 60_000 }, 'second');
      await peer.connect(String(router.lastEndpoint), 'second');
      return { router, peer, events };
    }

    test('without handover the first dealer keeps the id', async () => {
      const { router, peer, events } = await sharing(false);
      await events.wait('disconnected'); // the newcomer is refused after its READY
      await router.send(['same', 'to the holder']);
      expect((await peer.receive(5000, 'first')).map(String)).toEqual(['to the holder']);
    });

    test('with handover the newcomer takes the id over', async () => {
      const { router, peer, events } = await sharing(true);
      await events.wait('disconnected');
      await router.send(['same', 'to the newcomer']);
      expect((await peer.receive(5000, 'second')).map(String)).toEqual(['to the newcomer']);
    });
  });

  describe(`their_subs_our_pub (${transport})`, () => {
    test('each libzmq subscriber gets only its own topics', async () => {
      const pub = ours(new Pub());
      const events = watch(pub);
      await pub.bind(endpoint(transport));
      const peer = await theirs();
      for (const name of ['one', 'two']) {
        await peer.create('sub', {}, name);
        await peer.subscribe(`${name}.`, name);
        await peer.connect(String(pub.lastEndpoint), name);
      }
      await handshakes(events, 2);
      // Probe each topic until its subscriber has one, so both subscriptions reached our PUB.
      for (const name of ['one', 'two']) {
        const deadline = Date.now() + 10_000;
        while ((await peer.receiveOrNothing(30, name)) === undefined) {
          if (Date.now() > deadline) throw new Error(`subscriber ${name} never got a probe`);
          await pub.send([`${name}.probe`]);
        }
      }
      for (const topic of ['one.1', 'two.1', 'three.1', 'one.2', 'two.2', 'one.end', 'two.end']) {
        await pub.send([topic]);
      }
      const until = async (name: string) => {
        const got: string[] = [];
        while (got.at(-1) !== `${name}.end`) {
          const [topic] = (await peer.receive(5000, name)).map(String);
          if (topic !== `${name}.probe`) got.push(String(topic));
        }
        return got;
      };
      expect({ one: await until('one'), two: await until('two') }).toEqual({
        one: ['one.1', 'one.2', 'one.end'],
        two: ['two.1', 'two.2', 'two.end'],
      });
    });
  });
}
