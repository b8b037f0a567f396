/** Frame encoding (RFC 23 §"Framing"): short frames up to 255 bytes, long frames with a 64-bit size. */
import { constants } from 'node:buffer';
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from './protocol.ts';

/** Largest body a short frame can carry. */
export const SHORT_MAX = 255;
/** Largest frame body we can hold in one buffer; bigger sizes are refused before any byte is read. */
export const MAX_FRAME_BODY = constants.MAX_LENGTH;

/** Bytes needed for the header of a body of `size` bytes. */
export const headerSize = (size: number): number => (size > SHORT_MAX ? 9 : 2);

/** Writes a frame header at `offset` and returns the offset just past it. */
export function writeHeader(out: Uint8Array, offset: number, flags: number, size: number): number {
  if (size > SHORT_MAX) {
    out[offset] = flags | FLAG_LONG;
    // A 64-bit big-endian size; split because bitwise ops in JS are 32-bit.
    const high = Math.floor(size / 0x1_0000_0000);
    const low = size >>> 0;
    out[offset + 1] = high >>> 24;
    out[offset + 2] = (high >>> 16) & 0xff;
    out[offset + 3] = (high >>> 8) & 0xff;
    out[offset + 4] = high & 0xff;
    out[offset + 5] = low >>> 24;
    out[offset + 6] = (low >>> 16) & 0xff;
    out[offset + 7] = (low >>> 8) & 0xff;
    out[offset + 8] = low & 0xff;
    return offset + 9;
  }
  out[offset] = flags;
  out[offset + 1] = size;
  return offset + 2;
}

/** Encodes one frame; LONG is set only when the body needs it, as libzmq does. */
export function encodeFrame(body: Uint8Array, flags = 0): Buffer {
  const out = Buffer.allocUnsafe(headerSize(body.length) + body.length);
  const at = writeHeader(out, 0, flags & ~FLAG_LONG, body.length);
  out.set(body, at);
  return out;
}

/** Encodes a command frame (RFC 37 §2.5) from its already-encoded body. */
export function encodeCommandFrame(body: Uint8Array): Buffer {
  return encodeFrame(body, FLAG_COMMAND);
}

/** Encodes a whole multipart message into one buffer so it reaches the socket in one write. */
export function encodeMessage(frames: readonly Uint8Array[]): Buffer {
  const out = Buffer.allocUnsafe(encodedSize(NO_FRAMES, frames, 0));
  writeMessage(out, 0, NO_FRAMES, frames, 0);
  return out;
}

/** An empty frame list, for callers that have no envelope. */
export const NO_FRAMES: readonly Buffer[] = [];

// Messages up to this size are framed in the shared buffer; bigger ones get a buffer of their own, so one
// huge message does not pin its size in memory for the life of the process.
const SHARED_MAX = 1 << 20;

/**
 * Frames outgoing messages into one buffer shared by every connection of the process, instead of a new
 * buffer per message (that buffer was the largest allocation of a round trip). This is safe because JS
 * runs one thing at a time and Bun's `socket.write` hands the bytes to the kernel synchronously without
 * keeping the buffer: a framed message is written and done with before anything frames the next one.
 * Whatever the kernel did not take must be copied out (`owned` says whether the buffer is shared).
 */
export class Framer {
  /** The framed bytes are `buffer[0, length)`. */
  buffer: Buffer = Buffer.allocUnsafe(16 * 1024);
  length = 0;
  /** False while `buffer` is the shared one and must not be kept past the current write. */
  owned = false;
  private shared: Buffer = this.buffer;

  /** Frames `envelope` followed by `frames[from..]` as one multipart message. */
  frame(envelope: readonly Uint8Array[], frames: readonly Uint8Array[], from: number): void {
    this.reserve(encodedSize(envelope, frames, from));
    writeMessage(this.buffer, 0, envelope, frames, from);
  }

  /** Frames several messages back to back (draining a queue into one write). */
  frameBatch(messages: readonly (readonly Uint8Array[])[]): void {
    let total = 0;
    for (const frames of messages) total += encodedSize(NO_FRAMES, frames, 0);
    this.reserve(total);
    let at = 0;
    for (const frames of messages) at = writeMessage(this.buffer, at, NO_FRAMES, frames, 0);
  }

  private reserve(size: number): void {
    this.length = size;
    if (size <= this.shared.length) {
      this.buffer = this.shared;
      this.owned = false;
      return;
    }
    if (size <= SHARED_MAX) {
      this.shared = Buffer.allocUnsafe(Math.min(SHARED_MAX, 2 ** Math.ceil(Math.log2(size))));
      this.buffer = this.shared;
      this.owned = false;
      return;
    }
    this.buffer = Buffer.allocUnsafe(size);
    this.owned = true;
  }
}

/** The process-wide framer (see `Framer`). */
export const framer = new Framer();

function encodedSize(envelope: readonly Uint8Array[], frames: readonly Uint8Array[], from: number): number {
  let total = 0;
  for (let i = 0; i < envelope.length; i++) {
    const size = envelope[i]!.length;
    total += headerSize(size) + size;
  }
  for (let i = from; i < frames.length; i++) {
    const size = frames[i]!.length;
    total += headerSize(size) + size;
  }
  return total;
}

function writeMessage(
  out: Uint8Array,
  start: number,
  envelope: readonly Uint8Array[],
  frames: readonly Uint8Array[],
  from: number,
): number {
  let at = start;
  const last = envelope.length + frames.length - from - 1;
  for (let i = 0; i <= last; i++) {
    const body = i < envelope.length ? envelope[i]! : frames[from + i - envelope.length]!;
    at = writeHeader(out, at, i < last ? FLAG_MORE : 0, body.length);
    out.set(body, at);
    at += body.length;
  }
  return at;
}
