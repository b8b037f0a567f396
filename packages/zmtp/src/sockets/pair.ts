/** PAIR (RFC 31, exclusive pair): exactly one peer at a time; further peers are refused. */
import type { SocketOptions } from '../options.ts';
import type { Pipe } from '../pipe.ts';
import { Socket } from '../socket-base.ts';

/** Bidirectional socket for a single peer. */
export class Pair extends Socket {
  private peer: Pipe | undefined;

  constructor(options: SocketOptions = {}) {
    super('PAIR', options);
  }

  protected override attach(pipe: Pipe): boolean {
    if (this.peer !== undefined && !this.peer.detached) return false;
    this.peer = pipe;
    return true;
  }

  protected override detach(pipe: Pipe): void {
    if (this.peer === pipe) this.peer = undefined;
  }

  protected override trySend(frames: readonly Buffer[]): boolean {
    const pipe = this.peer;
    if (pipe === undefined || !pipe.writable) return false;
    pipe.write(frames);
    return true;
  }
}
