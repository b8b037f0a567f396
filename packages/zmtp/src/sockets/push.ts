/** PUSH (RFC 30): load-balanced sends to PULL peers; it cannot receive. */
import { ZmtpError } from '../errors.ts';
import type { SocketOptions } from '../options.ts';
import type { Pipe } from '../pipe.ts';
import { LoadBalancer } from '../routing/load-balance.ts';
import { type Message, Socket } from '../socket-base.ts';

/** Pipeline producer; send waits when every peer is at its high-water mark. */
export class Push extends Socket {
  private readonly balancer = new LoadBalancer();

  constructor(options?: SocketOptions) {
    super('PUSH', options);
  }

  override receive(): Promise<Message> {
    return Promise.reject(new ZmtpError('STATE', 'a PUSH socket cannot receive'));
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
