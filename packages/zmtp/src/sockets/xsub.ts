/**
 * XSUB (RFC 29 §"The XSUB socket type"): subscriptions are sent as messages `[0x01|0x00 + topic]`
 * (SUBSCRIBE/CANCEL commands to 3.1 peers), remembered, and re-sent to every (re)connected publisher.
 */
import type { SocketOptions } from '../options.ts';
import type { Pipe } from '../pipe.ts';
import { distribute } from '../routing/distribute.ts';
import { SubscriptionTrie } from '../routing/trie.ts';
import { type Frame, Socket } from '../socket-base.ts';

const SUBSCRIBE = 1;
const CANCEL = 0;

/** Shared subscriber logic of SUB and XSUB. */
export abstract class Subscriber extends Socket {
  private readonly pipes = new Set<Pipe>();
  private readonly counts = new Map<string, number>();
  private readonly filter = new SubscriptionTrie<0>();

  protected constructor(type: 'SUB' | 'XSUB', options: SocketOptions) {
    super(type, options);
  }

  /** Subscribes to messages whose first frame starts with `prefix` ('' = everything). */
  subscribe(prefix: Frame = ''): void {
    this.assertOpen();
    this.trySend([Buffer.concat([Buffer.from([SUBSCRIBE]), toBuffer(prefix)])]);
  }

  /** Drops one subscription to `prefix`. */
  unsubscribe(prefix: Frame = ''): void {
    this.assertOpen();
    this.trySend([Buffer.concat([Buffer.from([CANCEL]), toBuffer(prefix)])]);
  }

  protected override attach(pipe: Pipe): boolean {
    this.pipes.add(pipe);
    return true;
  }

  protected override detach(pipe: Pipe): void {
    this.pipes.delete(pipe);
  }

  protected override ready(pipe: Pipe): void {
    // Every new connection, first or re-established, needs the whole subscription set.
    const connection = pipe.connection;
    if (connection === undefined) return;
    for (const key of this.counts.keys()) {
      connection.send([Buffer.concat([Buffer.from([SUBSCRIBE]), Buffer.from(key, 'latin1')])]);
    }
  }

  protected override incoming(pipe: Pipe, frames: Buffer[]): void {
    const topic = frames[0];
    if (topic !== undefined && this.filter.matches(topic)) this.enqueue(pipe, frames);
  }

  protected override trySend(frames: readonly Buffer[]): boolean {
    const first = frames[0];
    if (frames.length === 1 && first !== undefined && first.length > 0) {
      if (first[0] === SUBSCRIBE) {
        this.track(first.subarray(1), 1);
        this.sendToConnected(frames);
        return true;
      }
      if (first[0] === CANCEL) {
        // Only the last cancel of a topic goes upstream, since publishers keep one entry per peer.
        if (this.track(first.subarray(1), -1)) this.sendToConnected(frames);
        return true;
      }
    }
    distribute(this.pipes, frames);
    return true;
  }

  /** Updates the count of a topic; true when a cancel removed the last subscription. */
  private track(topic: Buffer, delta: 1 | -1): boolean {
    const key = topic.toString('latin1');
    const count = this.counts.get(key) ?? 0;
    if (delta === 1) {
      this.counts.set(key, count + 1);
      if (count === 0) this.filter.add(topic, 0);
      return false;
    }
    if (count === 0) return false;
    if (count > 1) {
      this.counts.set(key, count - 1);
      return false;
    }
    this.counts.delete(key);
    this.filter.remove(topic, 0);
    return true;
  }

  private sendToConnected(frames: readonly Buffer[]): void {
    for (const pipe of this.pipes) pipe.connection?.send(frames);
  }
}

function toBuffer(frame: Frame): Buffer {
  return typeof frame === 'string' ? Buffer.from(frame) : Buffer.from(frame);
}

/** Subscriber that forwards raw subscription messages (use in proxies). */
export class XSub extends Subscriber {
  constructor(options: SocketOptions = {}) {
    super('XSUB', options);
  }
}
