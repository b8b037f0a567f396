/**
 * Z85 (ZeroMQ RFC 32): binary as printable text, 4 bytes to 5 characters. libzmq writes CURVE keys in it
 * (40 characters for a 32-byte key), so key files and options can be exchanged with libzmq tools.
 */
import { ZmtpError } from './errors.ts';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes whose count is a multiple of 4. */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) {
    throw new ZmtpError('BAD_KEY', `Z85 encodes multiples of 4 bytes, got ${bytes.length}`);
  }
  let out = '';
  for (let at = 0; at < bytes.length; at += 4) {
    let value = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
    let group = '';
    for (let i = 0; i < 5; i++) {
      group = ALPHABET[value % 85]! + group;
      value = Math.floor(value / 85);
    }
    out += group;
  }
  return out;
}

/** Decodes Z85 text whose length is a multiple of 5; throws BAD_KEY naming the first bad character. */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) {
    throw new ZmtpError('BAD_KEY', `Z85 text must be a multiple of 5 characters long, got ${text.length}`);
  }
  const out = new Uint8Array((text.length / 5) * 4);
  for (let at = 0, to = 0; at < text.length; at += 5, to += 4) {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const code = text.charCodeAt(at + i);
      const digit = code < 128 ? DIGIT[code]! : -1;
      if (digit < 0) {
        throw new ZmtpError('BAD_KEY', `character ${JSON.stringify(text[at + i])} at ${at + i} is not Z85`);
      }
      value = value * 85 + digit;
    }
    if (value > 0xffff_ffff) {
      throw new ZmtpError('BAD_KEY', `Z85 group "${text.slice(at, at + 5)}" at ${at} is out of range`);
    }
    out[to] = value >>> 24;
    out[to + 1] = (value >>> 16) & 0xff;
    out[to + 2] = (value >>> 8) & 0xff;
    out[to + 3] = value & 0xff;
  }
  return out;
}
