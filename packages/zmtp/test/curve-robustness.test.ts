/**
 * CURVE against hostile input: fuzzed handshake commands and MESSAGE boxes only ever raise ZmtpErrors, a
 * changed byte anywhere in a box is refused, and hostile raw peers lose only their own connection while
 * a good CURVE peer keeps being served.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import {
  curveKeyPair,
  Dealer,
  encodeCommandFrame,
  encodeFrame,
  encodeGreeting,
  encodeMessage,
  Router,
  ZmtpError,
  type ZmtpErrorCode,
} from '../src/index.ts';
import { CurveClientHandshake, CurveServerHandshake } from '../src/mechanism/curve.ts';
import { BOX_MORE, type CurveCodec } from '../src/mechanism/curve-codec.ts';
import { resolveSecurity } from '../src/security.ts';
import { Fixture, nextEvent, TRANSPORTS, text, waitFor, within } from './helpers.ts';
import { RawPeer } from './raw-peer.ts';

/** mulberry32: small seeded PRNG so a failing fuzz case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const server = curveKeyPair();
const client = curveKeyPair();
const serverOptions = {
  server: true as const,
  ...server,
  authorize: (key: string) => key === client.publicKey,
};
const clientOptions = { serverKey: server.publicKey, ...client };

function clientHandshake(): CurveClientHandshake {
  const security = resolveSecurity(clientOptions);
  if (security.mechanism !== 'CURVE' || security.server) throw new Error('expected client security');
  return new CurveClientHandshake(security, 'DEALER', Buffer.from('raw'));
}

function serverHandshake(): CurveServerHandshake {
  const security = resolveSecurity(serverOptions);
  if (security.mechanism !== 'CURVE' || !security.server) throw new Error('expected server security');
  return new CurveServerHandshake(security, 'ROUTER', undefined, 'test');
}

/** The body of an encoded command frame (short or long header). */
function bodyOf(frame: Buffer): Buffer {
  return frame.subarray((frame[0]! & 0x02) !== 0 ? 9 : 2);
}

/** A complete in-process handshake; returns every command body and both codecs. */
function transcript() {
  const c = clientHandshake();
  const s = serverHandshake();
  const hello = bodyOf(c.start());
  const welcome = bodyOf(s.command(hello).send!);
  const initiate = bodyOf(c.command(welcome).send!);
  const atServer = s.command(initiate);
  const ready = bodyOf(atServer.send!);
  const atClient = c.command(ready);
  if (atServer.peer === undefined || atClient.peer === undefined) throw new Error('handshake incomplete');
  return { c, s, hello, welcome, initiate, ready, clientCodec: c.codec!, serverCodec: s.codec! };
}

/** A copy of `body` with 1-6 random mutations: flipped bytes, cuts, insertions, duplicated runs. */
function mutate(body: Buffer, next: () => number): Buffer {
  let out = Buffer.from(body);
  const mutations = 1 + Math.floor(next() * 6);
  for (let m = 0; m < mutations; m++) {
    const at = Math.floor(next() * Math.max(1, out.length));
    const op = Math.floor(next() * 4);
    if (op === 0 && out.length > 0) out[at] = (out[at]! + 1 + Math.floor(next() * 255)) & 0xff;
    else if (op === 1) out = out.subarray(0, at);
    else if (op === 2)
      out = Buffer.concat([out.subarray(0, at), Buffer.from([next() * 256, next() * 256]), out.subarray(at)]);
    else out = Buffer.concat([out, out.subarray(at, at + 16)]);
  }
  return Buffer.from(out);
}

/** Runs `step`; a ZmtpError counts as a refusal, anything else thrown fails the test. */
function refused(step: () => unknown): boolean {
  try {
    step();
    return false;
  } catch (error) {
    expect(error).toBeInstanceOf(ZmtpError);
    return true;
  }
}

describe('CURVE handshake fuzz (in process)', () => {
  test('120 seeded mutations of handshake commands only ever produce ZmtpErrors or refusals', () => {
    const next = random(0xc0ffee);
    let refusals = 0;
    // Each iteration runs a few Curve25519 operations (milliseconds each in JavaScript), hence 120.
    const t = transcript();
    for (let i = 0; i < 120; i++) {
      const stage = Math.floor(next() * 4);
      if (stage === 0) {
        const s = serverHandshake();
        if (refused(() => s.command(mutate(t.hello, next)))) refusals++;
      } else if (stage === 1) {
        const c = clientHandshake();
        c.start();
        if (refused(() => c.command(mutate(t.welcome, next)))) refusals++;
      } else if (stage === 2) {
        // The server that sent WELCOME gets a changed INITIATE: its cookie, vouch and box are all bound.
        const c = clientHandshake();
        const s = serverHandshake();
        const welcome = bodyOf(s.command(bodyOf(c.start())).send!);
        const initiate = bodyOf(c.command(welcome).send!);
        const changed = mutate(initiate, next);
        const step = (() => {
          try {
            return s.command(changed);
          } catch (error) {
            expect(error).toBeInstanceOf(ZmtpError);
            return undefined;
          }
        })();
        if (step?.peer === undefined) refusals++;
        else expect(changed.subarray(0, initiate.length).equals(initiate)).toBe(true);
      } else {
        const c = clientHandshake();
        const s = serverHandshake();
        const welcome = bodyOf(s.command(bodyOf(c.start())).send!);
        const ready = bodyOf(s.command(bodyOf(c.command(welcome).send!)).send!);
        if (refused(() => c.command(mutate(ready, next)))) refusals++;
      }
    }
    // Nearly every mutation is refused; the rare survivor only appends bytes (ignored by a size check).
    expect(refusals).toBeGreaterThan(100);
  });

  test('changing any single byte of a MESSAGE is refused, and nothing altered is ever delivered', () => {
    const { clientCodec, serverCodec } = transcript();
    const payload = Buffer.from('measurement 42.0 V');
    for (let at = 0; ; at++) {
      const frame = clientCodec.encode(BOX_MORE, payload);
      const body = bodyOf(frame);
      if (at >= body.length) break;
      const changed = Buffer.from(body);
      changed[at] = changed[at]! ^ 0x40;
      expect(refused(() => serverCodec.decode(changed))).toBe(true);
    }
    // The codec still opens the genuine next message after all those refusals.
    const genuine = serverCodec.decode(bodyOf(clientCodec.encode(0, payload)));
    expect(genuine.data.equals(payload)).toBe(true);
  });

  test('2,000 random MESSAGE bodies: ZmtpErrors only, never data', () => {
    const { serverCodec } = transcript();
    const next = random(0xbad);
    for (let i = 0; i < 2000; i++) {
      const length = Math.floor(next() * 80);
      const body = Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
      if (next() < 0.5) body.write('\x07MESSAGE', 0, 'latin1');
      expect(refused(() => serverCodec.decode(body))).toBe(true);
    }
  });

  test('nonces: a replayed or older MESSAGE is BAD_NONCE, a skipped one is fine (strictly increasing)', () => {
    const { clientCodec, serverCodec } = transcript();
    const first = bodyOf(clientCodec.encode(0, Buffer.from('1')));
    const second = bodyOf(clientCodec.encode(0, Buffer.from('2')));
    const third = bodyOf(clientCodec.encode(0, Buffer.from('3')));
    expect(serverCodec.decode(second).data.toString()).toBe('2');
    expect(() => serverCodec.decode(second)).toThrow(expect.objectContaining({ code: 'BAD_NONCE' }));
    expect(() => serverCodec.decode(first)).toThrow(expect.objectContaining({ code: 'BAD_NONCE' }));
    expect(serverCodec.decode(third).data.toString()).toBe('3');
    // Each direction has its own nonce prefix: our own box sent back to us does not open.
    const reflected = bodyOf(serverCodec.encode(0, Buffer.from('echo')));
    expect(() => serverCodec.decode(reflected)).toThrow(ZmtpError);
  });
});

const CURVE_CLIENT_GREETING = encodeGreeting({ major: 3, minor: 1, mechanism: 'CURVE', asServer: false });

for (const transport of TRANSPORTS) {
  describe(`hostile CURVE peers (${transport})`, () => {
    let fx: Fixture;
    const peers: RawPeer[] = [];
    afterEach(() => {
      for (const peer of peers.splice(0)) peer.close();
      fx.cleanup();
    });

    /** A CURVE ROUTER and a good CURVE DEALER; `check` proves the good peer is still served. */
    async function serving() {
      const router = fx.track(new Router({ curve: serverOptions, maxMessageSize: 4096 }));
      const endpoint = await fx.bind(router);
      const good = fx.track(new Dealer({ curve: clientOptions, routingId: 'good' }));
      good.connect(endpoint);
      let round = 0;
      const check = async () => {
        round++;
        await good.send(`ping ${round}`);
        let request = await within(router.receive(), 10_000);
        while (request[0]!.toString() !== 'good') request = await within(router.receive(), 10_000);
        expect(text(request)).toEqual(['good', `ping ${round}`]);
        await router.send([request[0]!, `pong ${round}`]);
        expect(text(await within(good.receive(), 10_000))).toEqual([`pong ${round}`]);
      };
      await check();
      return { router, endpoint, check };
    }

    async function raw(endpoint: string): Promise<RawPeer> {
      const peer = await RawPeer.connect(endpoint);
      peers.push(peer);
      return peer;
    }

    /** A raw peer that completed a real CURVE handshake and can send its own (or broken) boxes. */
    async function handshaken(endpoint: string): Promise<{ peer: RawPeer; codec: CurveCodec }> {
      const peer = await raw(endpoint);
      const c = clientHandshake();
      peer.write(CURVE_CLIENT_GREETING);
      peer.write(c.start());
      const frames = () => peer.items.filter((item) => item.kind === 'frame');
      await waitFor(() => frames().length >= 1, 10_000, 'WELCOME');
      const welcome = frames()[0]!;
      if (welcome.kind !== 'frame') throw new Error('no WELCOME');
      peer.write(c.command(welcome.body).send!);
      await waitFor(() => frames().length >= 2, 10_000, 'READY');
      const ready = frames()[1]!;
      if (ready.kind !== 'frame') throw new Error('no READY');
      c.command(ready.body);
      return { peer, codec: c.codec! };
    }

    const hello = () => bodyOf(clientHandshake().start());
    const stranger = curveKeyPair();
    const beforeHandshake: [string, () => Buffer, ZmtpErrorCode][] = [
      [
        'a NULL greeting',
        () => Buffer.from(encodeGreeting({ major: 3, minor: 1, mechanism: 'NULL', asServer: false })),
        'BAD_MECHANISM',
      ],
      [
        'a data frame instead of HELLO',
        () => Buffer.concat([CURVE_CLIENT_GREETING, encodeFrame(Buffer.from('x'))]),
        'BAD_FRAME',
      ],
      [
        'a HELLO one byte short',
        () => Buffer.concat([CURVE_CLIENT_GREETING, encodeCommandFrame(hello().subarray(0, 199))]),
        'BAD_COMMAND',
      ],
      [
        'a HELLO of CURVE version 2.0',
        () => {
          const body = hello();
          body[6] = 2;
          return Buffer.concat([CURVE_CLIENT_GREETING, encodeCommandFrame(body)]);
        },
        'BAD_COMMAND',
      ],
      [
        'a HELLO boxed for another server key',
        () => {
          const security = resolveSecurity({ ...clientOptions, serverKey: stranger.publicKey });
          if (security.mechanism !== 'CURVE' || security.server) throw new Error('client expected');
          return Buffer.concat([
            CURVE_CLIENT_GREETING,
            new CurveClientHandshake(security, 'DEALER', undefined).start(),
          ]);
        },
        'BAD_BOX',
      ],
      [
        'an INITIATE before HELLO',
        () =>
          Buffer.concat([
            CURVE_CLIENT_GREETING,
            encodeCommandFrame(Buffer.alloc(300).fill('\x08INITIATE', 0, 9)),
          ]),
        'BAD_COMMAND',
      ],
      [
        'a replayed INITIATE from another connection',
        () => {
          const t = transcript();
          return Buffer.concat([
            CURVE_CLIENT_GREETING,
            encodeCommandFrame(hello()),
            encodeCommandFrame(t.initiate),
          ]);
        },
        'BAD_BOX',
      ],
    ];
    for (const [name, bytes, code] of beforeHandshake) {
      test(`${name} fails the handshake with ${code}; the good peer keeps being served`, async () => {
        fx = new Fixture(transport);
        const { router, endpoint, check } = await serving();
        const failed = nextEvent(router, 'handshake-failed', 10_000);
        (await raw(endpoint)).write(bytes());
        expect((await within(failed, 10_000)).error.code).toBe(code);
        await check();
      });
    }

    const afterHandshake: [string, (codec: CurveCodec) => Buffer, string][] = [
      ['a plain (unboxed) message frame', () => encodeMessage([Buffer.from('clear text')]), 'BAD_COMMAND'],
      [
        'a MESSAGE of random bytes',
        () =>
          encodeFrame(
            Buffer.concat([Buffer.from('\x07MESSAGE\0\0\0\0\0\0\0\x09', 'latin1'), Buffer.alloc(40, 7)]),
          ),
        'BAD_BOX',
      ],
      [
        'a MESSAGE reusing the INITIATE nonce',
        (codec) => {
          const frame = codec.encode(0, Buffer.from('x'));
          frame.writeUInt32BE(0, 10);
          frame.writeUInt32BE(2, 14);
          return frame;
        },
        'BAD_NONCE',
      ],
      [
        'a boxed message over maxMessageSize',
        (codec) => codec.encode(0, Buffer.alloc(5000)),
        'MESSAGE_TOO_LARGE',
      ],
      ['a 2^60-byte frame size', () => Buffer.from([0x02, 0x10, 0, 0, 0, 0, 0, 0, 0]), 'MESSAGE_TOO_LARGE'],
    ];
    for (const [name, make, code] of afterHandshake) {
      test(`${name} after the handshake drops that peer with ${code}`, async () => {
        fx = new Fixture(transport);
        const { router, endpoint, check } = await serving();
        const handshake = nextEvent(router, 'handshake', 10_000);
        const { peer, codec } = await handshaken(endpoint);
        await within(handshake, 10_000);
        const dropped = nextEvent(router, 'disconnected', 10_000);
        peer.write(make(codec));
        expect((await within(dropped, 10_000)).reason).toStartWith(code);
        await check();
      });
    }

    test('a raw peer with a real handshake and genuine boxes is served like any client', async () => {
      fx = new Fixture(transport);
      const { router, endpoint } = await serving();
      const { peer, codec } = await handshaken(endpoint);
      peer.write(
        Buffer.concat([codec.encode(BOX_MORE, Buffer.from('a')), codec.encode(0, Buffer.from('b'))]),
      );
      const message = await within(router.receive(), 10_000);
      expect(text(message)).toEqual(['raw', 'a', 'b']);
    });

    test('100 seeded fuzz connections (mutated HELLO/INITIATE streams) never stop the socket serving', async () => {
      fx = new Fixture(transport);
      const { router, endpoint, check } = await serving();
      let ended = 0;
      router.events.on('disconnected', () => ended++);
      router.events.on('handshake-failed', () => ended++);
      const next = random(0xc022 + (transport === 'ipc' ? 1 : 0));
      const t = transcript();
      const valid = Buffer.concat([
        CURVE_CLIENT_GREETING,
        encodeCommandFrame(t.hello),
        encodeCommandFrame(t.initiate),
        t.clientCodec.encode(0, Buffer.from('never')),
      ]);
      const batch: RawPeer[] = [];
      for (let i = 0; i < 100; i++) {
        const peer = await raw(endpoint);
        peer.write(
          mutate(next() < 0.2 ? valid : valid.subarray(0, CURVE_CLIENT_GREETING.length + 202), next),
        );
        // Half close at once; the others stay open and are dropped by the server (or time out below).
        if (next() < 0.5) peer.close();
        batch.push(peer);
      }
      await check();
      for (const peer of batch) peer.close();
      await waitFor(() => ended >= 100, 20_000, 'every fuzz connection to end');
      await check();
    });
  });
}
