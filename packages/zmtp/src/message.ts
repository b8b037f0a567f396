/** Message and frame types of the public API, conversion of user frames, and message iteration. */
import { ZmtpError } from './errors.ts';

/** A frame to send; strings are UTF-8 encoded. */
export type Frame = Uint8Array | string;
/** A received multipart message. */
export type Message = Buffer[];

/** Converts user frames to a new array of Buffers without copying binary data (do not mutate them until sent). */
export function toFrames(frames: Frame | readonly Frame[]): Buffer[] {
  const list = Array.isArray(frames) ? (frames as readonly Frame[]) : [frames as Frame];
  const out = new Array<Buffer>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = toBuffer(list[i]!);
  return out;
}

/**
 * The frames of one send as Buffers, allocating nothing: the caller's own array when it holds only
 * Buffers, else `reused` (an array the socket keeps) filled with the converted frames. Only valid until
 * the send returns; whatever has to wait is copied (`Pipe.write`), and the socket clears `reused` after.
 */
export function framesView(frames: Frame | readonly Frame[], reused: Buffer[]): readonly Buffer[] {
  if (!Array.isArray(frames)) {
    reused.length = 1;
    reused[0] = toBuffer(frames as Frame);
    return reused;
  }
  const list = frames as readonly Frame[];
  if (allBuffers(list)) return list;
  reused.length = list.length;
  for (let i = 0; i < list.length; i++) reused[i] = toBuffer(list[i]!);
  return reused;
}

function allBuffers(list: readonly Frame[]): list is readonly Buffer[] {
  for (let i = 0; i < list.length; i++) if (!Buffer.isBuffer(list[i])) return false;
  return true;
}

// Short strings are usually topics, delimiters and names sent over and over: encoding each once keeps a
// publisher of ['topic', body] from allocating a Buffer per message. The cached Buffers never reach user
// code (they are only framed and matched), so sharing them is safe.
const encoded = new Map<string, Buffer>();
const CACHED_LENGTH = 64;
const CACHED_COUNT = 256;

function toBuffer(frame: Frame): Buffer {
  if (typeof frame === 'string') {
    let buffer = encoded.get(frame);
    if (buffer !== undefined) return buffer;
    buffer = Buffer.from(frame);
    if (frame.length <= CACHED_LENGTH) {
      if (encoded.size >= CACHED_COUNT) encoded.clear();
      encoded.set(frame, buffer);
    }
    return buffer;
  }
  return Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}

/** What a socket exposes to its message iterator. */
export interface MessageSource {
  closed(): boolean;
  /** A message available right now, if any. */
  ready(): Message | undefined;
  receive(): Promise<Message>;
}

// Module-level so a pending next() does not allocate a closure per message.
const asResult = (value: Message): IteratorResult<Message> => ({ value, done: false });

/**
 * `for await` over a socket, ending on close. A plain iterator rather than an async generator: one
 * promise per message instead of several, which shows in throughput.
 */
export function messageIterator(source: MessageSource): AsyncIterator<Message> {
  const done: IteratorReturnResult<undefined> = { value: undefined, done: true };
  const ended = (error: unknown): IteratorResult<Message> => {
    if (error instanceof ZmtpError && error.code === 'CLOSED') return done;
    throw error;
  };
  return {
    next: () => {
      if (source.closed()) return Promise.resolve(done);
      const message = source.ready();
      if (message !== undefined) return Promise.resolve({ value: message, done: false });
      return source.receive().then(asResult, ended);
    },
    return: () => Promise.resolve(done),
  };
}
