/** ZMTP wire constants and the greeting (RFC 23 §"Greeting", RFC 37 §2.3), plus socket-type rules. */
import { ZmtpError } from './errors.ts';

/** Size of the fixed ZMTP 3.x greeting in bytes. */
export const GREETING_SIZE = 64;
/** First byte of the 10-byte signature; the 8 bytes after it are padding nobody validates. */
export const SIGNATURE_FIRST = 0xff;
/** Last byte of the signature. */
export const SIGNATURE_LAST = 0x7f;
/** Major version we announce. */
export const VERSION_MAJOR = 3;
/** Minor version we announce; peers answering 0 get 3.0 framing of subscriptions. */
export const VERSION_MINOR = 1;
/** Length of the null-padded mechanism field. */
export const MECHANISM_SIZE = 20;

/** Frame flag (RFC 23 §"Framing"): more frames of this message follow. */
export const FLAG_MORE = 0x01;
/** Frame flag: the size field is 8 bytes. */
export const FLAG_LONG = 0x02;
/** Frame flag: a command, not message data. */
export const FLAG_COMMAND = 0x04;
/** Bits 3-7 are reserved and must be zero. */
export const FLAG_RESERVED = 0xf8;

/** True when more frames of the same message follow. */
export const isMore = (flags: number): boolean => (flags & FLAG_MORE) !== 0;
/** True when the size field is 8 bytes wide. */
export const isLong = (flags: number): boolean => (flags & FLAG_LONG) !== 0;
/** True when the frame is a command, not message data. */
export const isCommand = (flags: number): boolean => (flags & FLAG_COMMAND) !== 0;

/** The decoded greeting of a peer. */
export interface Greeting {
  major: number;
  minor: number;
  mechanism: string;
  asServer: boolean;
}

const MECHANISM_CHAR = /^[A-Z0-9\-_.+]*$/;

/** Encodes a 64-byte greeting. */
export function encodeGreeting(greeting: Greeting): Uint8Array {
  const out = new Uint8Array(GREETING_SIZE);
  out[0] = SIGNATURE_FIRST;
  out[9] = SIGNATURE_LAST;
  out[10] = greeting.major;
  out[11] = greeting.minor;
  if (greeting.mechanism.length > MECHANISM_SIZE || !MECHANISM_CHAR.test(greeting.mechanism)) {
    throw new ZmtpError('BAD_MECHANISM', `invalid mechanism name ${JSON.stringify(greeting.mechanism)}`);
  }
  for (let i = 0; i < greeting.mechanism.length; i++) out[12 + i] = greeting.mechanism.charCodeAt(i);
  out[32] = greeting.asServer ? 1 : 0;
  return out;
}

/**
 * Checks the first 11 bytes early so a non-ZMTP peer is refused before we wait for 64 bytes.
 * Returns without error when fewer bytes are available than needed.
 */
export function checkGreetingPrefix(bytes: Uint8Array): void {
  if (bytes.length > 0 && bytes[0] !== SIGNATURE_FIRST) {
    throw new ZmtpError('BAD_GREETING', `greeting signature starts with 0x${hex(bytes[0])}, expected 0xff`);
  }
  if (bytes.length > 9 && bytes[9] !== SIGNATURE_LAST) {
    throw new ZmtpError('BAD_GREETING', `greeting signature ends with 0x${hex(bytes[9])}, expected 0x7f`);
  }
  const major = bytes[10];
  if (major !== undefined && major < VERSION_MAJOR) {
    throw new ZmtpError('INCOMPATIBLE_PEER', `peer speaks ZMTP ${major}.x; only 3.x is supported`);
  }
}

/** Decodes a full 64-byte greeting; padding and filler are deliberately not validated (RFC 23). */
export function decodeGreeting(bytes: Uint8Array): Greeting {
  if (bytes.length < GREETING_SIZE) {
    throw new ZmtpError('BAD_GREETING', `greeting is ${bytes.length} bytes, expected ${GREETING_SIZE}`);
  }
  checkGreetingPrefix(bytes);
  let mechanism = '';
  let ended = false;
  for (let i = 12; i < 12 + MECHANISM_SIZE; i++) {
    const byte = bytes[i]!;
    if (byte === 0) {
      ended = true;
      continue;
    }
    if (ended) throw new ZmtpError('BAD_MECHANISM', 'mechanism name is not null-padded');
    mechanism += String.fromCharCode(byte);
  }
  if (mechanism.length === 0 || !MECHANISM_CHAR.test(mechanism)) {
    throw new ZmtpError('BAD_MECHANISM', `invalid mechanism name ${JSON.stringify(mechanism)}`);
  }
  const asServer = bytes[32]!;
  if (asServer > 1) throw new ZmtpError('BAD_GREETING', `as-server byte is ${asServer}, expected 0 or 1`);
  return { major: bytes[10]!, minor: bytes[11]!, mechanism, asServer: asServer === 1 };
}

/** ZeroMQ socket types as named in the READY `Socket-Type` property. */
export type SocketType =
  | 'PAIR'
  | 'PUB'
  | 'SUB'
  | 'REQ'
  | 'REP'
  | 'DEALER'
  | 'ROUTER'
  | 'PULL'
  | 'PUSH'
  | 'XPUB'
  | 'XSUB';

const COMPATIBLE: Record<SocketType, readonly SocketType[]> = {
  PAIR: ['PAIR'],
  PUB: ['SUB', 'XSUB'],
  SUB: ['PUB', 'XPUB'],
  REQ: ['REP', 'ROUTER'],
  REP: ['REQ', 'DEALER'],
  DEALER: ['REP', 'DEALER', 'ROUTER'],
  ROUTER: ['REQ', 'DEALER', 'ROUTER'],
  PULL: ['PUSH'],
  PUSH: ['PULL'],
  XPUB: ['SUB', 'XSUB'],
  XSUB: ['PUB', 'XPUB'],
};

/** Whether a socket of type `ours` may talk to a peer announcing `theirs` (RFC 37 §2.4). */
export function isCompatible(ours: SocketType, theirs: string): boolean {
  return (COMPATIBLE[ours] as readonly string[]).includes(theirs);
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0');
}
