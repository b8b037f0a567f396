/** Distribution to many pipes (RFC 29 §"PUB"): copy to each, drop for any pipe at its high-water mark. */
import type { Pipe } from '../pipe.ts';

/** Writes a message to every given pipe that has room; returns how many took it. */
export function distribute(pipes: Iterable<Pipe>, frames: readonly Buffer[]): number {
  let delivered = 0;
  for (const pipe of pipes) {
    if (!pipe.writable) continue;
    pipe.write(frames);
    delivered++;
  }
  return delivered;
}
