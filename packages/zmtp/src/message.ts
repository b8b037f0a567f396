/** Message and frame types of the public API, conversion of user frames, and message iteration. */
import { ZmtpError } from './errors.ts';

/** A frame to send; strings are UTF-8 encoded. */
export type Frame = Uint8Array | string;
/** A received multipart message. */
export type Message = Buffer[];

/** Converts user frames to Buffers without copying binary data (do not mutate them until sent). */
export function toFrames(frames: Frame | readonly Frame[]): Buffer[] {
  const list = Array.isArray(frames) ? (frames as readonly Frame[]) : [frames as Frame];
  const out = new Array<Buffer>(list.length);
  for (let i = 0; i < list.length; i++) {
    const frame = list[i]!;
    out[i] =
      typeof frame === 'string'
        ? Buffer.from(frame)
        : Buffer.isBuffer(frame)
          ? frame
          : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  }
  return out;
}

/** What a socket exposes to its message iterator. */
export interface MessageSource {
  closed(): boolean;
  /** A message available right now, if any. */
  ready(): Message | undefined;
  receive(): Promise<Message>;
}

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
      return source.receive().then((value) => ({ value, done: false }), ended);
    },
    return: () => Promise.resolve(done),
  };
}
