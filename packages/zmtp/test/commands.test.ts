import { describe, expect, test } from 'bun:test';
import {
  type Command,
  decodeCommand,
  decodeMetadata,
  encodeCancel,
  encodeCommand,
  encodeError,
  encodeMetadata,
  encodePing,
  encodePong,
  encodeReady,
  encodeSubscribe,
  type ZmtpError,
} from '../src/index.ts';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('command byte captures', () => {
  // Bytes as libzmq 4.3 writes them (command bodies, without the frame header).
  const captures: [string, Buffer, (string | number)[], Command][] = [
    [
      'READY of a DEALER with an identity',
      encodeReady('DEALER', b('id')),
      [5, 'READY', 11, 'Socket-Type', 0, 0, 0, 6, 'DEALER', 8, 'Identity', 0, 0, 0, 2, 'id'],
      {
        name: 'READY',
        properties: new Map([
          ['socket-type', b('DEALER')],
          ['identity', b('id')],
        ]),
      },
    ],
    [
      'READY of a SUB without identity',
      encodeReady('SUB'),
      [5, 'READY', 11, 'Socket-Type', 0, 0, 0, 3, 'SUB'],
      { name: 'READY', properties: new Map([['socket-type', b('SUB')]]) },
    ],
    [
      'ERROR',
      encodeError('Invalid socket type'),
      [5, 'ERROR', 19, 'Invalid socket type'],
      { name: 'ERROR', reason: 'Invalid socket type' },
    ],
    [
      'SUBSCRIBE',
      encodeSubscribe(b('news')),
      [9, 'SUBSCRIBE', 'news'],
      { name: 'SUBSCRIBE', topic: b('news') },
    ],
    ['CANCEL', encodeCancel(b('news')), [6, 'CANCEL', 'news'], { name: 'CANCEL', topic: b('news') }],
    [
      'PING with TTL 2 s and context',
      encodePing(2000, b('ctx')),
      [4, 'PING', 0, 20, 'ctx'],
      { name: 'PING', ttl: 2000, context: b('ctx') },
    ],
    ['PONG echoing a context', encodePong(b('ctx')), [4, 'PONG', 'ctx'], { name: 'PONG', context: b('ctx') }],
  ];
  for (const [name, encoded, wire, decoded] of captures) {
    test(name, () => {
      const expected = Buffer.concat(
        wire.map((part) => (typeof part === 'number' ? Buffer.from([part]) : b(part))),
      );
      expect(encoded.toString('hex')).toBe(expected.toString('hex'));
      expect(decodeCommand(encoded)).toEqual(decoded);
    });
  }

  test('unknown commands decode as UNKNOWN with their data', () => {
    expect(decodeCommand(encodeCommand('HELLO', b('xy')))).toEqual({
      name: 'UNKNOWN',
      command: 'HELLO',
      data: b('xy'),
    });
  });

  test('metadata names are case-insensitive and values binary-safe', () => {
    const encoded = encodeMetadata(new Map([['X-Custom', Buffer.from([0, 255, 0])]]));
    expect(decodeMetadata(encoded)).toEqual(new Map([['x-custom', Buffer.from([0, 255, 0])]]));
  });
});

describe('malformed commands', () => {
  const bad: [string, Buffer][] = [
    ['empty body', b('')],
    ['name longer than the body', b('\x09SUB')],
    ['zero-length name', b('\x00')],
    ['READY with a truncated property name', b('\x05READY\x0bSocket')],
    ['READY with a truncated value', b('\x05READY\x0bSocket-Type\x00\x00\x00\x09DEALER')],
    ['READY with an empty property name', b('\x05READY\x00\x00\x00\x00\x00')],
    ['ERROR with a reason longer than the body', b('\x05ERROR\x10abc')],
    ['PING without TTL', b('\x04PING\x00')],
    ['PING with a 17-byte context', b(`\x04PING\x00\x01${'c'.repeat(17)}`)],
  ];
  for (const [name, body] of bad) {
    test(`${name} -> BAD_COMMAND`, () => {
      let code: string | undefined;
      try {
        decodeCommand(body);
      } catch (error) {
        code = (error as ZmtpError).code;
      }
      expect(code).toBe('BAD_COMMAND');
    });
  }
});
