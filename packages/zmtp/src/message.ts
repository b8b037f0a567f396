/** Message and frame types of the public API, and the conversion of user frames to Buffers. */

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
