/** Fair-queueing over pipes (RFC 28 §"Fair queuing"): one message per pipe in turn. */
import type { Pipe } from '../pipe.ts';

/** Round-robin reader over the pipes that have inbound messages. */
export class FairQueue {
  private readonly active: Pipe[] = [];
  private cursor = 0;
  /** The pipe the last `shift` took its message from. */
  lastPipe: Pipe | undefined;

  /** Queues an inbound message on its pipe. */
  push(pipe: Pipe, frames: Buffer[]): void {
    if (pipe.inbound.length === 0) this.active.push(pipe);
    pipe.inbound.push(frames);
  }

  /** Takes the next message in turn, or undefined when every pipe is empty. */
  shift(): Buffer[] | undefined {
    const count = this.active.length;
    if (count === 0) return undefined;
    if (this.cursor >= count) this.cursor = 0;
    const pipe = this.active[this.cursor]!;
    const frames = pipe.inbound.shift();
    if (pipe.inbound.length === 0) {
      // pop() when possible: with one busy peer this runs per message and splice allocates.
      if (this.cursor === count - 1) this.active.pop();
      else this.active.splice(this.cursor, 1);
    } else {
      this.cursor++;
    }
    this.lastPipe = pipe;
    return frames;
  }

  /** Drops a pipe and its unread messages. */
  remove(pipe: Pipe): void {
    const index = this.active.indexOf(pipe);
    if (index < 0) return;
    this.active.splice(index, 1);
    if (index < this.cursor) this.cursor--;
    pipe.inbound.clear();
  }

  get empty(): boolean {
    return this.active.length === 0;
  }
}
