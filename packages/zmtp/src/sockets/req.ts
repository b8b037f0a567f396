/**
 * REQ (RFC 28 §"The REQ socket type"): strict send/receive alternation, an empty delimiter frame in
 * front of each request, load-balanced over peers; replies from other peers or without the delimiter
 * are discarded.
 */
import { ZmtpError } from '../errors.ts';
import type { SocketOptions } from '../options.ts';
import type { Pipe } from '../pipe.ts';
import { LoadBalancer } from '../routing/load-balance.ts';
import { type Message, Socket } from '../socket-base.ts';

/** REQ-only options. */
export interface ReqOptions extends SocketOptions {
  /** Allow a new request before the reply to the previous one arrived; the old reply is then ignored. */
  relaxed?: boolean;
}

const DELIMITER = Buffer.alloc(0);

/** Synchronous request client. */
export class Req extends Socket {
  private readonly balancer = new LoadBalancer();
  private readonly relaxed: boolean;
  private awaitingReply = false;
  private replyPipe: Pipe | undefined;

  constructor(options: ReqOptions = {}) {
    super('REQ', options);
    this.relaxed = options.relaxed ?? false;
  }

  override receive(): Promise<Message> {
    if (!this.awaitingReply && !this.closed) {
      return Promise.reject(new ZmtpError('STATE', 'REQ must send a request before receiving'));
    }
    return super.receive();
  }

  protected override attach(pipe: Pipe): boolean {
    this.balancer.add(pipe);
    return true;
  }

  protected override detach(pipe: Pipe): void {
    this.balancer.remove(pipe);
  }

  protected override trySend(frames: Buffer[]): boolean {
    if (this.awaitingReply && !this.relaxed) {
      throw new ZmtpError('STATE', 'REQ must receive the reply before sending another request');
    }
    const pipe = this.balancer.next();
    if (pipe === undefined) return false;
    if (this.replyPipe !== undefined) this.fairQueue.remove(this.replyPipe);
    pipe.write([DELIMITER, ...frames]);
    this.awaitingReply = true;
    this.replyPipe = pipe;
    return true;
  }

  protected override incoming(pipe: Pipe, frames: Buffer[]): void {
    // Only the first well-formed reply from the peer we asked counts.
    if (pipe !== this.replyPipe || frames.length < 2 || frames[0]!.length !== 0) return;
    this.replyPipe = undefined;
    this.enqueue(pipe, frames.slice(1));
  }

  protected override nextMessage(): Message | undefined {
    const message = this.takeQueued();
    if (message !== undefined) this.awaitingReply = false;
    return message;
  }
}
