import { afterEach, describe, expect, test } from 'bun:test';
import { Dealer, Pair, Pull, Push, Rep, Req, Router, ZmtpError } from '../src/index.ts';
import { Fixture, nextEvent, TRANSPORTS, text, waitFor, within } from './helpers.ts';

const codeOf = async (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof ZmtpError ? error.code : String(error)),
  );

for (const transport of TRANSPORTS) {
  describe(`REQ/REP (${transport})`, () => {
    let fx: Fixture;
    afterEach(() => fx.cleanup());

    test('request and reply round trip, several times', async () => {
      fx = new Fixture(transport);
      const rep = fx.track(new Rep());
      const req = fx.track(new Req());
      req.connect(await fx.bind(rep));
      for (let i = 0; i < 3; i++) {
        await req.send(['ping', `${i}`]);
        expect(text(await within(rep.receive()))).toEqual(['ping', `${i}`]);
        await rep.send(['pong', `${i}`]);
        expect(text(await within(req.receive()))).toEqual(['pong', `${i}`]);
      }
    });

    test('strict alternation is enforced with STATE errors', async () => {
      fx = new Fixture(transport);
      const rep = fx.track(new Rep());
      const req = fx.track(new Req());
      req.connect(await fx.bind(rep));
      expect(await codeOf(req.receive())).toBe('STATE');
      expect(await codeOf(rep.send('unasked'))).toBe('STATE');
      await req.send('q');
      expect(await codeOf(req.send('again'))).toBe('STATE');
      await within(rep.receive());
      expect(await codeOf(rep.receive())).toBe('STATE');
    });

    test('REQ puts the empty delimiter on the wire; a ROUTER sees the envelope', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router());
      const req = fx.track(new Req({ routingId: 'client' }));
      req.connect(await fx.bind(router));
      await req.send('question');
      expect(text(await within(router.receive()))).toEqual(['client', '', 'question']);
      await router.send(['client', 'not-a-reply-without-delimiter']);
      await router.send(['client', '', 'answer']);
      expect(text(await within(req.receive()))).toEqual(['answer']);
    });

    test('relaxed + correlate REQ may re-send and ignores the reply to the abandoned request', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router());
      const req = fx.track(new Req({ routingId: 'c', relaxed: true, correlate: true }));
      req.connect(await fx.bind(router));
      await req.send('first');
      const first = await within(router.receive());
      await req.send('second');
      const second = await within(router.receive());
      expect([text(first).slice(2), text(second).slice(2)]).toEqual([
        ['', 'first'],
        ['', 'second'],
      ]);
      await router.send([...first.slice(0, 3), 'late answer to first']);
      await router.send([...second.slice(0, 3), 'answer to second']);
      expect(text(await within(req.receive()))).toEqual(['answer to second']);
    });

    test('REP keeps the whole envelope of a DEALER that routes through a proxy', async () => {
      fx = new Fixture(transport);
      const rep = fx.track(new Rep());
      const dealer = fx.track(new Dealer());
      dealer.connect(await fx.bind(rep));
      await dealer.send(['hop-2', 'hop-1', '', 'body']);
      expect(text(await within(rep.receive()))).toEqual(['body']);
      await rep.send('reply');
      expect(text(await within(dealer.receive()))).toEqual(['hop-2', 'hop-1', '', 'reply']);
    });

    test('REP fair-queues requests from several REQ peers', async () => {
      fx = new Fixture(transport);
      const rep = fx.track(new Rep());
      const endpoint = await fx.bind(rep);
      const clients = [0, 1, 2].map((i) => {
        const req = fx.track(new Req());
        req.connect(endpoint);
        return { req, name: `c${i}` };
      });
      for (const { req, name } of clients) await req.send(name);
      const seen: string[] = [];
      for (let i = 0; i < clients.length; i++) {
        const [name] = text(await within(rep.receive()));
        seen.push(name!);
        await rep.send(`re:${name}`);
      }
      expect(seen.sort()).toEqual(['c0', 'c1', 'c2']);
      for (const { req, name } of clients) expect(text(await within(req.receive()))).toEqual([`re:${name}`]);
    });
  });

  describe(`PUSH/PULL (${transport})`, () => {
    let fx: Fixture;
    afterEach(() => fx.cleanup());

    test('push round-robins to pullers and each gets whole messages', async () => {
      fx = new Fixture(transport);
      const push = fx.track(new Push());
      const endpoint = await fx.bind(push);
      const pulls = [fx.track(new Pull()), fx.track(new Pull())];
      let handshakes = 0;
      push.events.on('handshake', () => handshakes++);
      for (const pull of pulls) pull.connect(endpoint);
      await waitFor(() => handshakes === 2, 5000, 'both pullers');
      for (let i = 0; i < 6; i++) await push.send([`job${i}`, 'data']);
      const got = await Promise.all(
        pulls.map(async (pull) => [await pull.receive(), await pull.receive(), await pull.receive()]),
      );
      expect(got.flat().map(text).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => [`job${i}`, 'data']));
    });

    test('PULL cannot send and PUSH cannot receive', async () => {
      fx = new Fixture(transport);
      expect(await codeOf(fx.track(new Pull()).send('x'))).toBe('STATE');
      expect(await codeOf(fx.track(new Push()).receive())).toBe('STATE');
    });
  });

  describe(`PAIR (${transport})`, () => {
    let fx: Fixture;
    afterEach(() => fx.cleanup());

    test('talks both ways with its one peer and refuses a second', async () => {
      fx = new Fixture(transport);
      const bound = fx.track(new Pair());
      const endpoint = await fx.bind(bound);
      const first = fx.track(new Pair());
      first.connect(endpoint);
      await first.send(['hello', 'pair']);
      expect(text(await within(bound.receive()))).toEqual(['hello', 'pair']);
      await bound.send('back');
      expect(text(await within(first.receive()))).toEqual(['back']);
      const second = fx.track(new Pair({ reconnectInterval: 10_000 }));
      const refused = nextEvent(second, 'disconnected');
      second.connect(endpoint);
      await within(refused);
      await bound.send('still yours');
      expect(text(await within(first.receive()))).toEqual(['still yours']);
      expect(() => first.connect(fx.endpoint().replace(':0', ':1'))).toThrow(
        expect.objectContaining({ code: 'STATE' }),
      );
    });
  });
}
