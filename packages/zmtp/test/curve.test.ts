/** CURVE between our own sockets (every socket type, both transports), Z85 and key files. */
import { afterEach, describe, expect, test } from 'bun:test';
import {
  curveKeyPair,
  curvePublicKey,
  Dealer,
  type EventOf,
  formatKeyFile,
  Pair,
  Pub,
  Pull,
  Push,
  parseKeyFile,
  Rep,
  Req,
  Router,
  type Socket,
  Sub,
  XPub,
  XSub,
  ZmtpError,
  z85Decode,
  z85Encode,
} from '../src/index.ts';
import { Fixture, nextEvent, TRANSPORTS, text, within } from './helpers.ts';

const server = curveKeyPair();
const client = curveKeyPair();
const serverSide = { server: true as const, ...server, authorize: (key: string) => key === client.publicKey };
const clientSide = { serverKey: server.publicKey, ...client };

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof ZmtpError ? error.code : String(error);
  }
};

describe('Z85 (ZeroMQ RFC 32)', () => {
  test('the RFC test vector', () => {
    const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Encode(bytes)).toBe('HelloWorld');
    expect([...z85Decode('HelloWorld')]).toEqual([...bytes]);
  });

  test('round trips every byte value, and the extremes of a group', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect([...z85Decode(z85Encode(bytes))]).toEqual([...bytes]);
    expect(z85Encode(new Uint8Array(4))).toBe('00000');
    expect(z85Encode(new Uint8Array(4).fill(0xff))).toBe('%nSc0');
  });

  test('bad input is a BAD_KEY error naming what is wrong', () => {
    expect(codeOf(() => z85Encode(new Uint8Array(3)))).toBe('BAD_KEY');
    expect(codeOf(() => z85Decode('Hello Worl'))).toBe('BAD_KEY');
    expect(codeOf(() => z85Decode('1234'))).toBe('BAD_KEY');
    expect(() => z85Decode('%nSc1')).toThrow('out of range');
    expect(() => z85Decode('abc"e')).toThrow('at 3 is not Z85');
  });
});

describe('keys', () => {
  test('a key pair is 40 Z85 characters each, and the public key derives from the secret one', () => {
    const pair = curveKeyPair();
    expect(pair.publicKey).toHaveLength(40);
    expect(pair.secretKey).toHaveLength(40);
    expect(curvePublicKey(pair.secretKey)).toBe(pair.publicKey);
    expect(curvePublicKey(z85Decode(pair.secretKey))).toBe(pair.publicKey);
  });

  test('generated keys never hold "${", which station.yaml would read as a variable', () => {
    // Without the redraw about one pair in a hundred holds it: 500 pairs would find one 99% of the time.
    for (let i = 0; i < 500; i++) {
      const pair = curveKeyPair();
      expect(`${pair.publicKey} ${pair.secretKey}`).not.toContain('${');
    }
  });

  test('key files: the public file has no secret, the secret file both; parsing returns them', () => {
    const pair = curveKeyPair();
    const publicText = formatKeyFile({ publicKey: pair.publicKey });
    const secretText = formatKeyFile(pair);
    expect(publicText).toContain(`public-key = "${pair.publicKey}"`);
    expect(publicText).not.toContain('secret-key');
    expect(secretText).toContain(`secret-key = "${pair.secretKey}"`);
    expect(parseKeyFile(publicText)).toEqual({ publicKey: pair.publicKey });
    expect(parseKeyFile(secretText)).toEqual(pair);
    // A bare key (what an environment variable or a one-line file holds).
    expect(parseKeyFile(`${pair.publicKey}\n`)).toEqual({ publicKey: pair.publicKey });
  });

  test('libzmq certificate text with quotes and comments parses the same', () => {
    const pair = curveKeyPair();
    const text = `#   ZeroMQ CURVE **Secret** Certificate\n\nmetadata\n    name = "rack"\ncurve\n    public-key = "${pair.publicKey}"\n    secret-key = "${pair.secretKey}"\n`;
    expect(parseKeyFile(text)).toEqual(pair);
  });

  test('broken key files are BAD_KEY with the reason', () => {
    const pair = curveKeyPair();
    const other = curveKeyPair();
    expect(() => parseKeyFile('curve\n    nothing = "x"\n', 'hosts/a.key')).toThrow(
      'hosts/a.key has no public-key',
    );
    expect(() => parseKeyFile(`curve\n    public-key = "${pair.publicKey.slice(1)}"\n`)).toThrow(
      '39 characters',
    );
    expect(() =>
      parseKeyFile(`curve\n    public-key = "${other.publicKey}"\n    secret-key = "${pair.secretKey}"\n`),
    ).toThrow('does not belong');
    expect(codeOf(() => formatKeyFile({ publicKey: other.publicKey, secretKey: pair.secretKey }))).toBe(
      'BAD_KEY',
    );
  });

  test('a socket with a malformed or mismatched key fails at construction with BAD_KEY', () => {
    expect(codeOf(() => new Dealer({ curve: { ...clientSide, serverKey: 'short' } }))).toBe('BAD_KEY');
    expect(codeOf(() => new Dealer({ curve: { ...clientSide, publicKey: server.publicKey } }))).toBe(
      'BAD_KEY',
    );
    // @ts-expect-error a server without authorize: the type forbids it, and so does the runtime check
    expect(codeOf(() => new Router({ curve: { server: true, ...server } }))).toBe('BAD_KEY');
    expect(codeOf(() => new Router({ curve: { ...serverSide, secretKey: new Uint8Array(31) } }))).toBe(
      'BAD_KEY',
    );
  });
});

/** Connects `a` (client role) to `b` (server role, bound) and waits for both handshakes. */
async function link(
  fx: Fixture,
  serverSocket: Socket,
  clientSocket: Socket,
): Promise<EventOf<'handshake'>[]> {
  const endpoint = await fx.bind(serverSocket);
  const both = Promise.all([
    nextEvent(serverSocket, 'handshake', 10_000),
    nextEvent(clientSocket, 'handshake', 10_000),
  ]);
  clientSocket.connect(endpoint);
  return both;
}

for (const transport of TRANSPORTS) {
  describe(`CURVE between our sockets (${transport})`, () => {
    let fx: Fixture;
    afterEach(() => fx.cleanup());

    test('DEALER/ROUTER: both handshakes name the other side key; multipart and 1 MiB frames', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router({ curve: serverSide }));
      const dealer = fx.track(new Dealer({ curve: clientSide, routingId: 'd1' }));
      const [atServer, atClient] = await link(fx, router, dealer);
      expect(atServer?.publicKey).toBe(client.publicKey);
      expect(atClient?.publicKey).toBe(server.publicKey);
      const big = Buffer.alloc(1 << 20, 9);
      await dealer.send(['a', '', big]);
      const [id, ...frames] = await within(router.receive(), 10_000);
      expect(id!.toString()).toBe('d1');
      expect(frames.map((f) => f.length)).toEqual([1, 0, 1 << 20]);
      expect(frames[2]!.equals(big)).toBe(true);
      await router.send([id!, 'back']);
      expect(text(await within(dealer.receive(), 10_000))).toEqual(['back']);
    });

    test('REQ/REP, PUSH/PULL and PAIR talk over CURVE in either role', async () => {
      fx = new Fixture(transport);
      const rep = fx.track(new Rep({ curve: clientSide }));
      const req = fx.track(new Req({ curve: serverSide }));
      await link(fx, req, rep);
      await req.send('q');
      expect(text(await within(rep.receive(), 10_000))).toEqual(['q']);
      await rep.send('a');
      expect(text(await within(req.receive(), 10_000))).toEqual(['a']);

      const pull = fx.track(new Pull({ curve: serverSide }));
      const push = fx.track(new Push({ curve: clientSide }));
      await link(fx, pull, push);
      for (let i = 0; i < 100; i++) await push.send(`m${i}`);
      for (let i = 0; i < 100; i++) expect(text(await within(pull.receive(), 10_000))).toEqual([`m${i}`]);

      const left = fx.track(new Pair({ curve: serverSide }));
      const right = fx.track(new Pair({ curve: clientSide }));
      await link(fx, left, right);
      await right.send(['x', 'y']);
      expect(text(await within(left.receive(), 10_000))).toEqual(['x', 'y']);
    });

    test('PUB/SUB and XPUB/XSUB: subscriptions travel boxed and filter', async () => {
      fx = new Fixture(transport);
      const pub = fx.track(new XPub({ curve: serverSide }));
      const sub = fx.track(new Sub({ curve: clientSide }));
      sub.subscribe('a.');
      await link(fx, pub, sub);
      const subscription = await within(pub.receive(), 10_000);
      expect(subscription[0]!.toString('latin1')).toBe('\x01a.');
      await pub.send(['b.no']);
      await pub.send(['a.yes', 'body']);
      expect(text(await within(sub.receive(), 10_000))).toEqual(['a.yes', 'body']);

      // Several CURVE subscribers of one publisher: each gets its own boxes.
      const plainPub = fx.track(new Pub({ curve: serverSide }));
      const endpoint = await fx.bind(plainPub);
      const subs = [0, 1, 2].map(() => fx.track(new XSub({ curve: clientSide })));
      for (const each of subs) {
        const ready = nextEvent(each, 'handshake', 10_000);
        each.connect(endpoint);
        await ready;
        await each.send(Buffer.from('\x01t', 'latin1'));
      }
      const got = subs.map((each) => within(each.receive(), 10_000));
      let delivered: Buffer[][] = [];
      const publish = setInterval(() => void plainPub.send(['t', 'all']), 20);
      try {
        delivered = await Promise.all(got);
      } finally {
        clearInterval(publish);
      }
      expect(delivered.map(text)).toEqual([
        ['t', 'all'],
        ['t', 'all'],
        ['t', 'all'],
      ]);
    });

    test('heartbeats are boxed: a CURVE connection with PINGs stays up and keeps talking', async () => {
      fx = new Fixture(transport);
      const router = fx.track(
        new Router({ curve: serverSide, heartbeatInterval: 20, heartbeatTimeout: 10_000 }),
      );
      const dealer = fx.track(
        new Dealer({ curve: clientSide, heartbeatInterval: 20, heartbeatTimeout: 10_000 }),
      );
      await link(fx, router, dealer);
      let dropped = false;
      dealer.events.on('disconnected', () => {
        dropped = true;
      });
      // Enough round trips for several PING/PONG exchanges to interleave with the traffic.
      for (let i = 0; i < 20; i++) {
        await dealer.send(`r${i}`);
        const [id] = await within(router.receive(), 10_000);
        await Bun.sleep(5);
        await router.send([id!, `a${i}`]);
        expect(text(await within(dealer.receive(), 10_000))).toEqual([`a${i}`]);
      }
      expect(dropped).toBe(false);
    });

    test('per endpoint: one ROUTER serves NULL on one endpoint and CURVE on another', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router());
      await router.bind(fx.endpoint());
      const plainEndpoint = router.lastEndpoint!;
      await router.bind(fx.endpoint(), { curve: serverSide });
      const curveEndpoint = router.lastEndpoint!;
      const plain = fx.track(new Dealer({ routingId: 'plain' }));
      const secure = fx.track(new Dealer({ routingId: 'secure' }));
      plain.connect(plainEndpoint);
      secure.connect(curveEndpoint, { curve: clientSide });
      await plain.send('p');
      await secure.send('s');
      const seen = new Set<string>();
      for (let i = 0; i < 2; i++) {
        const [id, frame] = await within(router.receive(), 10_000);
        seen.add(`${id}:${frame}`);
      }
      expect(seen).toEqual(new Set(['plain:p', 'secure:s']));
    });

    test('a NULL client at a CURVE endpoint is refused (BAD_MECHANISM on both sides)', async () => {
      fx = new Fixture(transport);
      const router = fx.track(new Router({ curve: serverSide }));
      const endpoint = await fx.bind(router);
      const dealer = fx.track(new Dealer());
      const failedHere = nextEvent(router, 'handshake-failed', 10_000);
      const failedThere = nextEvent(dealer, 'handshake-failed', 10_000);
      dealer.connect(endpoint);
      expect((await failedHere).error.code).toBe('BAD_MECHANISM');
      expect((await failedThere).error.code).toBe('BAD_MECHANISM');
    });

    test('authorize decides: refused or throwing clients get AUTH_FAILED, others still connect', async () => {
      fx = new Fixture(transport);
      const stranger = curveKeyPair();
      const asked: string[] = [];
      const router = fx.track(
        new Router({
          curve: {
            ...serverSide,
            authorize: (key, peer) => {
              asked.push(`${key === stranger.publicKey ? 'stranger' : 'client'}@${peer.address.length > 0}`);
              if (key === stranger.publicKey) throw new Error('key store unavailable');
              return key === client.publicKey;
            },
          },
        }),
      );
      const endpoint = await fx.bind(router);
      const refused = fx.track(new Dealer({ curve: { ...clientSide, ...stranger } }));
      const failedThere = nextEvent(refused, 'handshake-failed', 10_000);
      const failedHere = nextEvent(router, 'handshake-failed', 10_000);
      refused.connect(endpoint);
      const there = await failedThere;
      const here = await failedHere;
      expect(there.error.code).toBe('AUTH_FAILED');
      expect(here.error.code).toBe('AUTH_FAILED');
      expect(here.error.message).toContain('key store unavailable');
      expect(here.error.message).toContain(stranger.publicKey);
      refused.close();
      const allowed = fx.track(new Dealer({ curve: clientSide }));
      allowed.connect(endpoint);
      await allowed.send('in');
      expect(text((await within(router.receive(), 10_000)).slice(1))).toEqual(['in']);
      expect(asked).toContain('stranger@true');
      expect(asked).toContain('client@true');
    });

    test('two CURVE clients fail the handshake instead of talking in the clear', async () => {
      fx = new Fixture(transport);
      const a = fx.track(new Dealer({ curve: clientSide }));
      const b = fx.track(new Dealer({ curve: clientSide }));
      const endpoint = await fx.bind(a);
      const failed = nextEvent(a, 'handshake-failed', 10_000);
      b.connect(endpoint);
      expect((await failed).error.code).toBe('BAD_COMMAND');
    });
  });
}
