/**
 * The send side shared by the load-balancing socket types, DEALER, PUSH and REQ (RFC 28, RFC 30): each
 * outgoing message goes to the next peer, round robin, that can take it.
 */
import type { Pipe } from '../pipe.ts';
import { LoadBalancer } from '../routing/load-balance.ts';
import { Socket } from '../socket-base.ts';

/** A socket whose sends are load-balanced over its peers; send waits when all are at their high-water mark. */
export abstract class BalancedSocket extends Socket {
  protected readonly balancer = new LoadBalancer();

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
