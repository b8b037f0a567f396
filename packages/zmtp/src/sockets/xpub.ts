/**
 * XPUB (RFC 29 §"The XPUB socket type"): PUB that hands subscriptions upstream as messages
 * `[0x01|0x00 + topic]`, once per new topic (every one with `verbose`), and receives other messages too.
 */
import { framer, NO_FRAMES } from '../frame.ts';
import type { SocketOptions } from '../options.ts';
import type { Pipe } from '../pipe.ts';
import { Queue } from '../queue.ts';
import { SubscriptionTrie } from '../routing/trie.ts';
import { type Message, Socket } from '../socket-base.ts';

/** XPUB-only options. */
export interface XPubOptions extends SocketOptions {
  /** Pass every SUBSCRIBE upstream, not only the first for a topic (libzmq ZMQ_XPUB_VERBOSE). */
  verbose?: boolean;
}

const SUBSCRIBE = 1;
const CANCEL = 0;

/** Shared publisher logic of PUB and XPUB. */
export abstract class Publisher extends Socket {
  protected readonly subscriptions = new SubscriptionTrie<Pipe>();
  private readonly upstream = new Queue<Message>();
  private readonly verbose: boolean;
  private readonly targets: Pipe[] = [];
  // Bound once: match() runs per published message.
  private readonly collect = (pipe: Pipe): void => {
    if (pipe.writable) this.targets.push(pipe);
  };

  protected constructor(type: 'PUB' | 'XPUB', options: XPubOptions) {
    super(type, options);
    this.verbose = options.verbose ?? false;
  }

  protected override interrupted(pipe: Pipe): void {
    this.drop(pipe);
  }

  protected override detach(pipe: Pipe): void {
    this.drop(pipe);
  }

  protected override incoming(pipe: Pipe, frames: Buffer[]): void {
    const first = frames[0];
    if (frames.length === 1 && first !== undefined && first.length > 0) {
      const kind = first[0];
      const topic = first.subarray(1);
      if (kind === SUBSCRIBE) {
        if (this.subscriptions.add(topic, pipe) || this.verbose) this.pass(first);
        return;
      }
      if (kind === CANCEL) {
        if (this.subscriptions.remove(topic, pipe)) this.pass(first);
        return;
      }
    }
    this.passMessage(frames);
  }

  protected override trySend(frames: readonly Buffer[]): boolean {
    const topic = frames[0];
    if (topic === undefined) return true;
    const targets = this.targets;
    this.subscriptions.match(topic, this.collect);
    if (targets.length === 1) targets[0]!.write(frames);
    else if (targets.length > 1) {
      framer.frame(NO_FRAMES, frames, 0);
      // Peers that cannot take it now share one copy of the frame list (`frames` may be reused).
      let kept: readonly Buffer[] | undefined;
      for (const pipe of targets) {
        if (pipe.writeFramed(frames)) continue;
        kept ??= frames.slice();
        pipe.queue(kept);
      }
    }
    targets.length = 0;
    return true;
  }

  protected override nextMessage(): Message | undefined {
    return this.upstream.shift();
  }

  /** Delivers a subscription message to receive(); PUB overrides this to discard it. */
  protected pass(subscription: Buffer): void {
    this.passMessage([Buffer.from(subscription)]);
  }

  /** Delivers a non-subscription message upstream. */
  protected passMessage(frames: Buffer[]): void {
    this.upstream.push(frames);
    this.wakeReceivers();
  }

  private drop(pipe: Pipe): void {
    this.subscriptions.removeKey(pipe, (prefix) => this.pass(Buffer.concat([Buffer.from([CANCEL]), prefix])));
  }
}

/** Publisher that sees its subscribers' subscriptions. */
export class XPub extends Publisher {
  constructor(options: XPubOptions = {}) {
    super('XPUB', options);
  }
}
