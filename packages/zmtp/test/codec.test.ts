import { describe, expect, test } from 'bun:test';
import {
  Decoder,
  decodeGreeting,
  encodeFrame,
  encodeGreeting,
  encodeMessage,
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  type Greeting,
  isCommand,
  isLong,
  isMore,
  ZmtpError,
} from '../src/index.ts';

type Item = { greeting: Greeting } | { flags: number; body: string };

/** Feeds `bytes` split into the given chunk sizes and returns what the decoder produced. */
function decodeChunks(bytes: Uint8Array, cuts: number[], options = {}): Item[] {
  const items: Item[] = [];
  const decoder = new Decoder(
    {
      greeting: (greeting) => items.push({ greeting }),
      frame: (flags, body) => items.push({ flags, body: body.toString('latin1') }),
    },
    options,
  );
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    decoder.feed(Buffer.from(bytes.subarray(at, cut)));
    at = cut;
  }
  return items;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ZmtpError) return error.code;
    throw error;
  }
  return undefined;
}

const hex = (text: string): Uint8Array => Buffer.from(text.replace(/\s+/g, ''), 'hex');

// A libzmq 4.3 greeting as captured on the wire: signature, 3.1, NULL, as-server 0, zero filler.
const LIBZMQ_GREETING = hex(
  `ff 00 00 00 00 00 00 00 01 7f 03 01 4e 55 4c 4c ${'00'.repeat(16)} 00 ${'00'.repeat(31)}`,
);

describe('greeting', () => {
  test('encodes exactly like libzmq (padding aside)', () => {
    const ours = encodeGreeting({ major: 3, minor: 1, mechanism: 'NULL', asServer: false });
    expect(ours.length).toBe(64);
    // libzmq puts 0x01 in the last padding byte; padding is never validated, so compare around it.
    expect([...ours.subarray(9)]).toEqual([...LIBZMQ_GREETING.subarray(9)]);
    expect(ours[0]).toBe(0xff);
  });

  test('decodes a libzmq greeting, ignoring padding and filler', () => {
    const noisy = Buffer.from(LIBZMQ_GREETING);
    noisy.fill(0xaa, 1, 9);
    noisy.fill(0x55, 33, 64);
    expect(decodeGreeting(noisy)).toEqual({ major: 3, minor: 1, mechanism: 'NULL', asServer: false });
  });

  test('accepts a 3.0 peer and a higher minor version', () => {
    const v30 = Buffer.from(LIBZMQ_GREETING);
    v30[11] = 0;
    expect(decodeGreeting(v30).minor).toBe(0);
    const v39 = Buffer.from(LIBZMQ_GREETING);
    v39[11] = 9;
    expect(decodeGreeting(v39).minor).toBe(9);
  });

  const bad: [string, (g: Buffer) => void, string][] = [
    ['first signature byte', (g) => (g[0] = 0x00), 'BAD_GREETING'],
    ['last signature byte', (g) => (g[9] = 0x00), 'BAD_GREETING'],
    ['ZMTP 2.0 major version', (g) => (g[10] = 2), 'INCOMPATIBLE_PEER'],
    ['empty mechanism', (g) => g.fill(0, 12, 32), 'BAD_MECHANISM'],
    ['lower-case mechanism', (g) => g.write('null', 12, 'latin1'), 'BAD_MECHANISM'],
    ['mechanism not null-padded', (g) => (g[20] = 0x41), 'BAD_MECHANISM'],
    ['as-server byte 2', (g) => (g[32] = 2), 'BAD_GREETING'],
  ];
  for (const [name, mutate, code] of bad) {
    test(`rejects a bad ${name} with ${code}`, () => {
      const greeting = Buffer.from(LIBZMQ_GREETING);
      mutate(greeting);
      expect(codeOf(() => decodeGreeting(greeting))).toBe(code);
      expect(codeOf(() => decodeChunks(greeting, []))).toBe(code);
    });
  }

  test('an HTTP request is refused at its first byte, before 64 bytes arrive', () => {
    expect(codeOf(() => decodeChunks(Buffer.from('G'), []))).toBe('BAD_GREETING');
  });

  test('a too-short greeting is refused by the pure decoder', () => {
    expect(codeOf(() => decodeGreeting(LIBZMQ_GREETING.subarray(0, 63)))).toBe('BAD_GREETING');
  });
});

describe('frame flags', () => {
  test('RFC constants and predicates', () => {
    expect([FLAG_MORE, FLAG_LONG, FLAG_COMMAND]).toEqual([1, 2, 4]);
    expect([isMore(0x01), isLong(0x02), isCommand(0x04), isMore(0x06)]).toEqual([true, true, true, false]);
  });
});

describe('frame encoding', () => {
  const cases: [string, Uint8Array, number, string][] = [
    ['empty frame', new Uint8Array(0), 0, '0000'],
    ['short frame with MORE', Buffer.from('hi'), FLAG_MORE, '01026869'],
    ['255 bytes stays short', new Uint8Array(255), 0, `00ff${'00'.repeat(255)}`],
    ['256 bytes goes long', new Uint8Array(256), 0, `020000000000000100${'00'.repeat(256)}`],
    ['command frame', Buffer.from('\x04PING'), FLAG_COMMAND, '04050450494e47'],
  ];
  for (const [name, body, flags, expected] of cases) {
    test(name, () => {
      expect(encodeFrame(body, flags).toString('hex')).toBe(expected);
    });
  }

  test('a multipart message sets MORE on all frames but the last', () => {
    expect(encodeMessage([Buffer.from('a'), Buffer.from(''), Buffer.from('b')]).toString('hex')).toBe(
      '0101610100000162',
    );
  });
});

describe('decoder', () => {
  const stream = Buffer.concat([
    LIBZMQ_GREETING,
    encodeFrame(Buffer.from('\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER'), FLAG_COMMAND),
    encodeFrame(Buffer.from('routing'), FLAG_MORE),
    encodeFrame(Buffer.alloc(0), FLAG_MORE),
    encodeFrame(Buffer.alloc(300, 0x61)),
    hex('02 0000000000000003 616263'), // a long-size frame with a 3-byte body
    hex('00 00'),
  ]);
  const expected: Item[] = [
    { greeting: { major: 3, minor: 1, mechanism: 'NULL', asServer: false } },
    { flags: FLAG_COMMAND, body: '\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER' },
    { flags: FLAG_MORE, body: 'routing' },
    { flags: FLAG_MORE, body: '' },
    { flags: FLAG_LONG, body: 'a'.repeat(300) },
    { flags: FLAG_LONG, body: 'abc' },
    { flags: 0, body: '' },
  ];

  test('decodes a whole stream in one chunk', () => {
    expect(decodeChunks(stream, [])).toEqual(expected);
  });

  test('decodes the same items when split at every offset', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(decodeChunks(stream, [cut])).toEqual(expected);
    }
  });

  test('decodes the same items when fed one byte at a time', () => {
    expect(
      decodeChunks(
        stream,
        Array.from({ length: stream.length - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(expected);
  });

  test('long-size frames of small bodies, split at every offset', () => {
    const frames = Buffer.concat([
      hex('03 0000000000000001 78'),
      hex('02 0000000000000000'),
      hex('00 01 79'),
    ]);
    const want: Item[] = [
      { flags: FLAG_MORE | FLAG_LONG, body: 'x' },
      { flags: FLAG_LONG, body: '' },
      { flags: 0, body: 'y' },
    ];
    for (let cut = 0; cut <= frames.length; cut++) {
      expect(decodeChunks(frames, [cut], { greeting: false })).toEqual(want);
    }
  });

  for (const bit of [0x08, 0x10, 0x20, 0x40, 0x80]) {
    test(`rejects reserved flag bit 0x${bit.toString(16)} with BAD_FRAME`, () => {
      expect(codeOf(() => decodeChunks(Buffer.from([bit, 0]), [], { greeting: false }))).toBe('BAD_FRAME');
    });
  }

  test('rejects a size field of 2^53 or more without allocating', () => {
    for (const size of ['0020000000000000', 'ffffffffffffffff']) {
      expect(codeOf(() => decodeChunks(hex(`02 ${size}`), [], { greeting: false }))).toBe(
        'MESSAGE_TOO_LARGE',
      );
    }
  });

  test('rejects a frame over maxFrameSize from its header, before the body arrives', () => {
    expect(codeOf(() => decodeChunks(hex('00 05'), [], { greeting: false, maxFrameSize: 4 }))).toBe(
      'MESSAGE_TOO_LARGE',
    );
    expect(
      codeOf(() => decodeChunks(hex('02 0000000000001000'), [], { greeting: false, maxFrameSize: 4 })),
    ).toBe('MESSAGE_TOO_LARGE');
  });

  test('stays failed after an error and ignores further input', () => {
    const items: Item[] = [];
    const decoder = new Decoder(
      { greeting: () => {}, frame: (flags, body) => items.push({ flags, body: body.toString() }) },
      { greeting: false },
    );
    expect(codeOf(() => decoder.feed(Buffer.from([0xff])))).toBe('BAD_FRAME');
    decoder.feed(Buffer.from([0, 1, 0x61]));
    expect({ failed: decoder.failed, items }).toEqual({ failed: true, items: [] });
  });
});
