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
  const out = Buffer.allocUnsafe(encodedSize(frames));
  writeMessage(out, 0, frames);
  return out;
}

/** Encodes several messages back to back into one buffer. */
export function encodeMessages(messages: readonly (readonly Uint8Array[])[]): Buffer {
  let total = 0;
  for (const frames of messages) total += encodedSize(frames);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const frames of messages) at = writeMessage(out, at, frames);
  return out;
}

function encodedSize(frames: readonly Uint8Array[]): number {
  let total = 0;
  for (let i = 0; i < frames.length; i++) {
    const size = frames[i]!.length;
    total += headerSize(size) + size;
  }
  return total;
}

function writeMessage(out: Uint8Array, start: number, frames: readonly Uint8Array[]): number {
  let at = start;
  const count = frames.length;
  for (let i = 0; i < count; i++) {
    const body = frames[i]!;
    at = writeHeader(out, at, i < count - 1 ? FLAG_MORE : 0, body.length);
    out.set(body, at);
    at += body.length;
  }
  return at;
}
