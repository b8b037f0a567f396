/** DEALER (RFC 28 §"The DEALER socket type"): load-balanced sends, fair-queued receives, no envelope. */
import type { SocketOptions } from '../options.ts';
import type { Pipe } from '../pipe.ts';
import { LoadBalancer } from '../routing/load-balance.ts';
import { Socket } from '../socket-base.ts';

/** Asynchronous request/reply client; send waits when every peer is at its high-water mark. */
export class Dealer extends Socket {
  private readonly balancer = new LoadBalancer();

  constructor(options?: SocketOptions) {
    super('DEALER', options);
  }

  protected override attach(pipe: Pipe): boolean {
    this.balancer.add(pipe);
    return true;
  }

  protected override detach(pipe: Pipe): void {
    this.balancer.remove(pipe);
  }

  protected override trySend(frames: readonly Buffer[]): boolean {
    const pipe = this.balancer.next();
    if (pipe === undefined) return false;
    pipe.write(frames);
    return true;
  }
}
