/**
 * REP (RFC 28 §"The REP socket type"): receives a request, strips its envelope (routing frames up to
 * the empty delimiter), and puts the envelope back on the reply sent to the same peer.
 */
import { ZmtpError } from '../errors.ts';
import type { SocketOptions } from '../options.ts';
import type { Pipe } from '../pipe.ts';
import { type Message, Socket } from '../socket-base.ts';

/** Synchronous reply server. */
export class Rep extends Socket {
  private envelope: Buffer[] | undefined;
  private replyPipe: Pipe | undefined;

  constructor(options: SocketOptions = {}) {
    super('REP', options);
  }

  override receive(): Promise<Message> {
    if (this.envelope !== undefined && !this.closed) {
      return Promise.reject(new ZmtpError('STATE', 'REP must send the reply before receiving again'));
    }
    return super.receive();
  }

  protected override incoming(pipe: Pipe, frames: Buffer[]): void {
    // A request without a delimiter is malformed; libzmq drops it too.
    if (frames.findIndex((frame) => frame.length === 0) < 0) return;
    this.enqueue(pipe, frames);
  }

  protected override nextMessage(): Message | undefined {
    if (this.envelope !== undefined) return undefined;
    const message = this.takeQueued();
    if (message === undefined) return undefined;
    const split = message.findIndex((frame) => frame.length === 0) + 1;
    this.envelope = message.slice(0, split);
    this.replyPipe = this.fairQueue.lastPipe;
    return message.slice(split);
  }

  protected override trySend(frames: Buffer[]): boolean {
    const envelope = this.envelope;
    if (envelope === undefined) throw new ZmtpError('STATE', 'REP must receive a request before replying');
    const pipe = this.replyPipe;
    this.envelope = undefined;
    this.replyPipe = undefined;
    // The requester may have gone; libzmq drops the reply silently then.
    if (pipe !== undefined && !pipe.detached && pipe.writable) pipe.write([...envelope, ...frames]);
    queueMicrotask(() => this.wakeReceivers());
    return true;
  }
}
