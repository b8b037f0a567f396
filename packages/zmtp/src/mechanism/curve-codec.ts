/**
 * CURVE traffic after the handshake (RFC 26 §"MESSAGE"): every ZMTP frame travels as one MESSAGE whose
 * box holds a flags byte (bit 0 MORE, bit 1 COMMAND) and the frame's bytes, under an 8-byte nonce that
 * grows by one per message in each direction. A box that does not open or a nonce that does not grow
 * is refused (the connection then closes). The outer frame carries no flags, as libzmq sends it.
 */
import nacl from 'tweetnacl';
import { ZmtpError } from '../errors.ts';
import { headerSize, writeHeader } from '../frame.ts';

/** Flags byte inside the box: more frames of this message follow. */
export const BOX_MORE = 0x01;
/** Flags byte inside the box: the frame is a command (PING, SUBSCRIBE, ...). */
export const BOX_COMMAND = 0x02;

const NAME = Buffer.from('\x07MESSAGE', 'latin1');
/** Name, nonce, MAC and flags byte: what a MESSAGE adds to the frame it carries. */
export const MESSAGE_OVERHEAD = NAME.length + 8 + nacl.box.overheadLength + 1;
const TWO_32 = 0x1_0000_0000;

/** Writes `value` (a safe integer) as 8 big-endian bytes. */
export function writeNonce(out: Uint8Array, at: number, value: number): void {
  const high = Math.floor(value / TWO_32);
  const low = value >>> 0;
  out[at] = high >>> 24;
  out[at + 1] = (high >>> 16) & 0xff;
  out[at + 2] = (high >>> 8) & 0xff;
  out[at + 3] = high & 0xff;
  out[at + 4] = low >>> 24;
  out[at + 5] = (low >>> 16) & 0xff;
  out[at + 6] = (low >>> 8) & 0xff;
  out[at + 7] = low & 0xff;
}

/** A 24-byte nonce: a 16-byte prefix and an 8-byte counter. */
export function shortNonce(prefix: string, value: number): Uint8Array {
  const nonce = new Uint8Array(24);
  nonce.set(Buffer.from(prefix, 'latin1'));
  writeNonce(nonce, 16, value);
  return nonce;
}

/** The 8-byte big-endian counter at `at` as [high, low] words (exact; JS numbers are not 64-bit). */
export function readNonce(bytes: Uint8Array, at: number): [number, number] {
  const high = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  const low =
    ((bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!) >>> 0;
  return [high, low];
}

/** True when nonce `[high, low]` is strictly greater than `[lastHigh, lastLow]`. */
export const nonceAfter = (high: number, low: number, lastHigh: number, lastLow: number): boolean =>
  high > lastHigh || (high === lastHigh && low > lastLow);

/** One direction pair of an established CURVE session. */
export class CurveCodec {
  private readonly sendNonce: Uint8Array;
  private readonly receiveNonce: Uint8Array;
  private peerHigh: number;
  private peerLow: number;

  constructor(
    /** The precomputed Curve25519 shared key of the two short-term key pairs. */
    private readonly key: Uint8Array,
    sendPrefix: string,
    receivePrefix: string,
    /** Our next nonce value. */
    private next: number,
    /** The last nonce the peer used in the handshake. */
    peerLast: [number, number],
  ) {
    this.sendNonce = shortNonce(sendPrefix, 0);
    this.receiveNonce = shortNonce(receivePrefix, 0);
    [this.peerHigh, this.peerLow] = peerLast;
  }

  /** The size of the wire frame `encode` makes for a frame of `size` bytes. */
  static frameSize(size: number): number {
    const body = size + MESSAGE_OVERHEAD;
    return headerSize(body) + body;
  }

  /** Writes the MESSAGE frame carrying `data` with box flags `flags` at `at`; returns the end offset. */
  encodeInto(out: Uint8Array, at: number, flags: number, data: Uint8Array): number {
    if (this.next >= Number.MAX_SAFE_INTEGER) {
      throw new ZmtpError('BAD_NONCE', 'CURVE nonces of this connection are used up');
    }
    const plain = new Uint8Array(1 + data.length);
    plain[0] = flags;
    plain.set(data, 1);
    writeNonce(this.sendNonce, 16, this.next);
    const box = nacl.box.after(plain, this.sendNonce, this.key);
    let to = writeHeader(out, at, 0, NAME.length + 8 + box.length);
    out.set(NAME, to);
    out.set(this.sendNonce.subarray(16), to + NAME.length);
    to += NAME.length + 8;
    out.set(box, to);
    this.next += 1;
    return to + box.length;
  }

  /** One MESSAGE frame carrying `data`. */
  encode(flags: number, data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(CurveCodec.frameSize(data.length));
    this.encodeInto(out, 0, flags, data);
    return out;
  }

  /**
   * Opens a MESSAGE frame body: its box flags and the frame's bytes. Throws BAD_COMMAND for anything but
   * a MESSAGE, BAD_NONCE for a nonce not above the last one, BAD_BOX for a box that does not open.
   */
  decode(body: Buffer): { flags: number; data: Buffer } {
    if (body.length < MESSAGE_OVERHEAD || !NAME.equals(body.subarray(0, NAME.length))) {
      throw new ZmtpError('BAD_COMMAND', 'expected a CURVE MESSAGE');
    }
    const [high, low] = readNonce(body, NAME.length);
    if (!nonceAfter(high, low, this.peerHigh, this.peerLow)) {
      throw new ZmtpError(
        'BAD_NONCE',
        `MESSAGE nonce ${high * TWO_32 + low} is not above the last one (${this.peerHigh * TWO_32 + this.peerLow})`,
      );
    }
    this.receiveNonce.set(body.subarray(NAME.length, NAME.length + 8), 16);
    const plain = nacl.box.open.after(body.subarray(NAME.length + 8), this.receiveNonce, this.key);
    if (plain === null) throw new ZmtpError('BAD_BOX', 'a MESSAGE box does not open (tampered or wrong key)');
    this.peerHigh = high;
    this.peerLow = low;
    return { flags: plain[0]!, data: Buffer.from(plain.buffer, plain.byteOffset + 1, plain.length - 1) };
  }
}
