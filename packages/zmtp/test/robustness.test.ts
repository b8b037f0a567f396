import { afterEach, describe, expect, test } from 'bun:test';
import {
  Dealer,
  Decoder,
  encodeCommand,
  encodeCommandFrame,
  encodeFrame,
  encodeGreeting,
  encodeMessage,
  encodeReady,
  FLAG_MORE,
  Router,
  ZmtpError,
  type ZmtpErrorCode,
} from '../src/index.ts';
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

const GREETING = encodeGreeting({ major: 3, minor: 1, mechanism: 'NULL', asServer: false });
const VALID = Buffer.concat([
  GREETING,
  encodeCommandFrame(encodeReady('DEALER', Buffer.from('id'))),
  encodeMessage([Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(300, 7)]),
  encodeCommandFrame(encodeCommand('PING', Buffer.from([0, 10]))),
  encodeMessage([Buffer.from('tail')]),
]);

/** A random stream: pure noise, or a valid stream with bytes flipped, cut, duplicated or inserted. */
function fuzzStream(next: () => number): Buffer {
  const byte = () => Math.floor(next() * 256);
  const kind = Math.floor(next() * 4);
  if (kind === 0) return Buffer.from(Array.from({ length: Math.floor(next() * 200) }, byte));
  const stream = Buffer.from(kind === 1 ? VALID : VALID.subarray(GREETING.length));
  const mutations = 1 + Math.floor(next() * 6);
  let out = stream;
  for (let m = 0; m < mutations; m++) {
    const at = Math.floor(next() * out.length);
    const op = Math.floor(next() * 4);
    if (op === 0) out[at] = byte();
    else if (op === 1) out = out.subarray(0, at);
    else if (op === 2)
      out = Buffer.concat([out.subarray(0, at), Buffer.from([byte(), byte()]), out.subarray(at)]);
    else out = Buffer.concat([out, out.subarray(at, at + 16)]);
    if (out.length === 0) break;
  }
  return Buffer.from(out);
}

describe('decoder fuzz', () => {
  test('2,000 seeded random and mutated streams only ever produce ZmtpErrors', () => {
    const next = random(0x5eed);
    let failures = 0;
    for (let i = 0; i < 2000; i++) {
      const withGreeting = next() < 0.5;
      const stream = fuzzStream(next);
      const decoder = new Decoder({ greeting: () => {}, frame: () => {} }, { greeting: withGreeting });
      let at = 0;
      try {
        while (at < stream.length) {
          const size = 1 + Math.floor(next() * 64);
          decoder.feed(stream.subarray(at, at + size));
          at += size;
        }
      } catch (error) {
        // Anything else than a ZmtpError would be a crash of the connection handler.
        expect(error).toBeInstanceOf(ZmtpError);
        failures++;
      }
    }
    // Sanity: the fuzzer does produce both accepted and rejected streams.
    expect(failures).toBeGreaterThan(100);
    expect(failures).toBeLessThan(2000);
  });
});

for (const transport of TRANSPORTS) {
  describe(`hostile peers (${transport})`, () => {
    let fx: Fixture;
    const peers: RawPeer[] = [];
    afterEach(() => {
      for (const peer of peers.splice(0)) peer.close();
      fx.cleanup();
    });

    async function serving(): Promise<{ router: Router; endpoint: string; check: () => Promise<void> }> {
      const router = fx.track(new Router({ maxMessageSize: 4096 }));
      const endpoint = await fx.bind(router);
      const good = fx.track(new Dealer({ routingId: 'good' }));
      good.connect(endpoint);
      let round = 0;
      const check = async () => {
        round++;
        await good.send(`ping ${round}`);
        // Fuzz streams that happen to be valid deliver messages too; skip those.
        let request = await within(router.receive());
        while (request[0]!.toString() !== 'good') request = await within(router.receive());
        expect(text(request)).toEqual(['good', `ping ${round}`]);
        await router.send([request[0]!, `pong ${round}`]);
        expect(text(await within(good.receive()))).toEqual([`pong ${round}`]);
      };
      await check();
      return { router, endpoint, check };
    }

    async function raw(endpoint: string): Promise<RawPeer> {
      const peer = await RawPeer.connect(endpoint);
      peers.push(peer);
      return peer;
    }

    const handshaken = Buffer.concat([GREETING, encodeCommandFrame(encodeReady('DEALER'))]);
    const cases: [string, Buffer, ZmtpErrorCode][] = [
      ['an HTTP request instead of a greeting', Buffer.from('GET / HTTP/1.1\r\n\r\n'), 'BAD_GREETING'],
      ['a ZMTP 2.0 greeting', Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, 5]), 'INCOMPATIBLE_PEER'],
      [
        'the PLAIN mechanism',
        Buffer.from(encodeGreeting({ major: 3, minor: 1, mechanism: 'PLAIN', asServer: false })),
        'BAD_MECHANISM',
      ],
      [
        'a data frame instead of READY',
        Buffer.concat([GREETING, encodeFrame(Buffer.from('x'))]),
        'BAD_FRAME',
      ],
      [
        'READY of an incompatible PUB',
        Buffer.concat([GREETING, encodeCommandFrame(encodeReady('PUB'))]),
        'INCOMPATIBLE_PEER',
      ],
      [
        'a truncated READY',
        Buffer.concat([GREETING, encodeCommandFrame(Buffer.from('\x05READY\x0bSock'))]),
        'BAD_COMMAND',
      ],
    ];
    for (const [name, bytes, code] of cases) {
      test(`${name} fails the handshake with ${code}; other peers keep being served`, async () => {
        fx = new Fixture(transport);
        const { router, endpoint, check } = await serving();
        const failed = nextEvent(router, 'handshake-failed');
        (await raw(endpoint)).write(bytes);
        expect((await within(failed)).error.code).toBe(code);
        await check();
      });
    }

    const afterHandshake: [string, Buffer, string][] = [
      ['reserved flag bits', Buffer.from([0x80, 0x01, 0x41]), 'BAD_FRAME'],
      ['a command frame with MORE', Buffer.from([0x05, 0x05, 0x04, 0x50, 0x4f, 0x4e, 0x47]), 'BAD_FRAME'],
      [
        'a command inside a multipart message',
        Buffer.concat([encodeFrame(Buffer.from('a'), FLAG_MORE), encodeCommandFrame(encodeCommand('PONG'))]),
        'BAD_FRAME',
      ],
      ['a 2^60-byte frame size', Buffer.from([0x02, 0x10, 0, 0, 0, 0, 0, 0, 0]), 'MESSAGE_TOO_LARGE'],
      [
        'a message over maxMessageSize',
        encodeMessage([Buffer.alloc(3000), Buffer.alloc(3000)]),
        'MESSAGE_TOO_LARGE',
      ],
      ['an ERROR command', encodeCommandFrame(Buffer.from('\x05ERROR\x03bye')), 'PEER_ERROR'],
    ];
    for (const [name, bytes, code] of afterHandshake) {
      test(`${name} after the handshake drops that peer with ${code}`, async () => {
        fx = new Fixture(transport);
        const { router, endpoint, check } = await serving();
        const peer = await raw(endpoint);
        const handshake = nextEvent(router, 'handshake');
        peer.write(handshaken);
        await within(handshake);
        const dropped = nextEvent(router, 'disconnected');
        peer.write(bytes);
        expect((await within(dropped)).reason).toStartWith(code);
        await check();
      });
    }

    test('a peer that connects but never speaks ZMTP is dropped after handshakeTimeout', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router({ handshakeTimeout: 50 }));
      const endpoint = await fx.bind(router);
      const failed = nextEvent(router, 'handshake-failed');
      const peer = await raw(endpoint);
      expect((await within(failed)).error.code).toBe('TIMEOUT');
      await waitFor(() => peer.closed, 5000, 'the silent peer to be closed');
    });

    test('unknown commands are ignored and a truncated frame at close loses only that peer', async () => {
      fx = new Fixture(transport);
      const { router, endpoint, check } = await serving();
      const peer = await raw(endpoint);
      peer.write(handshaken);
      peer.write(encodeCommandFrame(encodeCommand('FUTURE', Buffer.from('x'))));
      peer.sendMessage(['after-unknown']);
      const message = await within(router.receive());
      expect(text(message).slice(1)).toEqual(['after-unknown']);
      const dropped = nextEvent(router, 'disconnected');
      peer.write(Buffer.from([0x00, 0x10, 0x41]));
      peer.close();
      await within(dropped);
      await check();
    });

    test('100 seeded fuzz connections never stop the socket from serving a good peer', async () => {
      fx = new Fixture(transport);
      const { router, endpoint, check } = await serving();
      let ended = 0;
      router.events.on('disconnected', () => ended++);
      router.events.on('handshake-failed', () => ended++);
      const next = random(0xf022 + (transport === 'ipc' ? 1 : 0));
      const batch: RawPeer[] = [];
      for (let i = 0; i < 100; i++) {
        const peer = await raw(endpoint);
        peer.write(fuzzStream(next));
        if (next() < 0.5) peer.close();
        batch.push(peer);
      }
      await check();
      for (const peer of batch) peer.close();
      await waitFor(() => ended >= 100, 10000, 'every fuzz connection to end');
      await check();
    });
  });
}
