/** Load-balancing over pipes (RFC 28 §"Load balancing"): round-robin among pipes with room. */
import type { Pipe } from '../pipe.ts';

/** Round-robin writer; a pipe at its high-water mark is skipped. */
export class LoadBalancer {
  private readonly pipes: Pipe[] = [];
  private cursor = 0;

  add(pipe: Pipe): void {
    this.pipes.push(pipe);
  }

  remove(pipe: Pipe): void {
    const index = this.pipes.indexOf(pipe);
    if (index < 0) return;
    this.pipes.splice(index, 1);
    if (index < this.cursor) this.cursor--;
  }

  /** The next pipe with room, advancing the turn; undefined when all are full (or none exist). */
  next(): Pipe | undefined {
    const count = this.pipes.length;
    for (let i = 0; i < count; i++) {
      if (this.cursor >= count) this.cursor = 0;
      const pipe = this.pipes[this.cursor++]!;
      if (pipe.writable) return pipe;
    }
    return undefined;
  }

  get size(): number {
    return this.pipes.length;
  }
}
