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
  /** The routing frames and delimiter of the request being answered; reused, not reallocated. */
  private readonly envelope: Buffer[] = [];
  private answering = false;
  private replyPipe: Pipe | undefined;
  // Bound once: a closure created in trySend would make every reply allocate its scope.
  private readonly wake = (): void => this.wakeReceivers();

  constructor(options: SocketOptions = {}) {
    super('REP', options);
  }

  override receive(): Promise<Message> {
    if (this.answering && !this.closed) {
      return Promise.reject(new ZmtpError('STATE', 'REP must send the reply before receiving again'));
    }
    return super.receive();
  }

  protected override incoming(pipe: Pipe, frames: Buffer[]): void {
    // A request without a delimiter is malformed; libzmq drops it too.
    if (delimiterAt(frames) < 0) return;
    this.enqueue(pipe, frames);
  }

  protected override nextMessage(): Message | undefined {
    if (this.answering) return undefined;
    const message = this.takeQueued();
    if (message === undefined) return undefined;
    // Move the envelope out in place: `message` is ours (fresh per request), copies would be garbage.
    const split = delimiterAt(message) + 1;
    const envelope = this.envelope;
    envelope.length = 0;
    for (let i = 0; i < split; i++) envelope.push(message[i]!);
    message.copyWithin(0, split);
    message.length -= split;
    this.answering = true;
    this.replyPipe = this.fairQueue.lastPipe;
    return message;
  }

  protected override trySend(frames: readonly Buffer[]): boolean {
    if (!this.answering) throw new ZmtpError('STATE', 'REP must receive a request before replying');
    const pipe = this.replyPipe;
    this.answering = false;
    this.replyPipe = undefined;
    // The requester may have gone; libzmq drops the reply silently then.
    if (pipe !== undefined && !pipe.detached && pipe.writable) pipe.write(frames, 0, this.envelope);
    this.envelope.length = 0;
    // A receive() that waited while we were answering can have the next request now; not from inside
    // send() itself, so a caller sees its send() finish before the next receive() resolves.
    if (this.receiving) queueMicrotask(this.wake);
    return true;
  }
}

function delimiterAt(frames: readonly Buffer[]): number {
  for (let i = 0; i < frames.length; i++) if (frames[i]!.length === 0) return i;
  return -1;
}
