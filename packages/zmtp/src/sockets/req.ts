/**
 * REQ (RFC 28 §"The REQ socket type"): strict send/receive alternation, an empty delimiter frame in
 * front of each request, load-balanced over peers; replies from other peers or without the delimiter
 * are discarded.
 */
import { ZmtpError } from '../errors.ts';
import type { SocketOptions } from '../options.ts';
import type { Pipe } from '../pipe.ts';
import type { Message } from '../socket-base.ts';
import { BalancedSocket } from './balanced.ts';

/** REQ-only options. */
export interface ReqOptions extends SocketOptions {
  /** Allow a new request before the reply to the previous one arrived; the old reply is then ignored. */
  relaxed?: boolean;
  /** Prefix each request with a 4-byte id and accept only the reply echoing it (libzmq ZMQ_REQ_CORRELATE). */
  correlate?: boolean;
}

const DELIMITER = Buffer.alloc(0);
const ENVELOPE: readonly Buffer[] = [DELIMITER];

/** Synchronous request client. */
export class Req extends BalancedSocket {
  private readonly relaxed: boolean;
  private readonly correlate: boolean;
  private awaitingReply = false;
  private replyPipe: Pipe | undefined;
  private requestId = (Math.random() * 0xffff_ffff) >>> 0;

  constructor(options: ReqOptions = {}) {
    super('REQ', options);
    this.relaxed = options.relaxed ?? false;
    this.correlate = options.correlate ?? false;
  }

  override receive(): Promise<Message> {
    if (!this.awaitingReply && !this.closed) {
      return Promise.reject(new ZmtpError('STATE', 'REQ must send a request before receiving'));
    }
    return super.receive();
  }

  protected override trySend(frames: readonly Buffer[]): boolean {
    if (this.awaitingReply && !this.relaxed) {
      throw new ZmtpError('STATE', 'REQ must receive the reply before sending another request');
    }
    const pipe = this.balancer.next();
    if (pipe === undefined) return false;
    if (this.replyPipe !== undefined) this.fairQueue.remove(this.replyPipe);
    if (this.correlate) {
      this.requestId = (this.requestId + 1) >>> 0;
      const id = Buffer.allocUnsafe(4);
      id.writeUInt32BE(this.requestId, 0);
      pipe.write(frames, 0, [id, DELIMITER]);
    } else {
      pipe.write(frames, 0, ENVELOPE);
    }
    this.awaitingReply = true;
    this.replyPipe = pipe;
    return true;
  }

  protected override incoming(pipe: Pipe, frames: Buffer[]): void {
    // Only the first well-formed reply from the peer we asked counts.
    if (pipe !== this.replyPipe) return;
    let at = 0;
    if (this.correlate) {
      const id = frames[0];
      if (id === undefined || id.length !== 4 || id.readUInt32BE(0) !== this.requestId) return;
      at = 1;
    }
    if (frames.length < at + 2 || frames[at]!.length !== 0) return;
    this.replyPipe = undefined;
    // Drop the envelope in place: `frames` is ours (fresh per message), a copy would be garbage.
    frames.copyWithin(0, at + 1);
    frames.length -= at + 1;
    this.enqueue(pipe, frames);
  }

  protected override nextMessage(): Message | undefined {
    const message = this.takeQueued();
    if (message !== undefined) this.awaitingReply = false;
    return message;
  }
}
