// Station events over the broker's event bus: publishers connect a PUB to its XSUB side, subscribers a
// SUB to its XPUB side. Topic `batch.<batchId>.<type>` or `system.<type>`; body = SPEC §3.2 message.

import { TypeCompiler } from '@sinclair/typebox/compiler';
import { events, isEventType, StationEvent } from '@station/model';
import { type CurveClientOptions, Pub, Sub } from '@station/zmtp';
import { checkerOf } from './check.ts';
import { topicOf } from './contract.ts';
import { decodeJson, encodeJson, ProtocolViolation } from './protocol.ts';
import type { BusLogger } from './types.ts';

// Parse at the edge: an event that breaks @station/model's schema never reaches a subscriber. Compiled
// by the first subscriber: a process that only publishes (a runner) never pays its code and memory.
let checkEvent: ReturnType<typeof TypeCompiler.Compile<typeof StationEvent>> | undefined;
const text = new TextDecoder();

export interface PublisherOptions {
  /** The broker's event input endpoint (its XSUB side). */
  endpoint: string;
  /** Events kept per subscriber connection before the newest are dropped (ZeroMQ PUB semantics). */
  highWaterMark?: number;
  /** CURVE client keys, for a broker endpoint that requires them (docs/protocol.md, "Security"). */
  curve?: CurveClientOptions;
  /**
   * For this long after the publisher is created (ms), an event that no subscriber has asked for yet is
   * held, in order, until the broker passes on a subscription to its topic, rather than dropped. A PUB
   * only learns of subscriptions once its link to the broker is up, so without this what a process says
   * as it starts (a runner's RECOVERY_FAILED) is lost. After the window: plain PUB, held events that
   * nobody asked for are dropped. Off (0) by default.
   */
  holdAtStartMs?: number;
  /**
   * Applied to each event's JSON text before it is sent (a process's secret scrubber, `redactLine`): the
   * text is made once anyway, so scrubbing it costs no second encoding of the event.
   */
  redact?: (json: string) => string;
  /**
   * Events published in one run of synchronous code leave in one socket write as soon as that code yields
   * (a microtask; no timer, nothing waits for a later event): a runner's step start and status go out
   * together instead of as a system call and a wake-up of the broker each. Off by default.
   */
  coalesce?: boolean;
}

/** A PUB that says when the broker passes a subscription on, and whether a topic has a subscriber. */
class WatchedPub extends Pub {
  onSubscription: (() => void) | undefined;

  hasSubscriber(topic: Uint8Array): boolean {
    return this.subscriptions.matches(topic);
  }

  protected override pass(): void {
    this.onSubscription?.();
  }
}

type EventFrames = [topic: Uint8Array, body: Uint8Array];

/**
 * Publishes station events. Events are fire-and-forget: while the broker is away they are dropped, which
 * is why every screen also gets a `batch_status` snapshot when it subscribes (see `holdAtStartMs` for a
 * process's first moments).
 */
export class Publisher {
  readonly #socket: WatchedPub;
  readonly #highWaterMark: number;
  /** Events held during the start window (`holdAtStartMs`), oldest first; undefined outside it. */
  #held: EventFrames[] | undefined;
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #redact: ((json: string) => string) | undefined;

  constructor(opts: PublisherOptions) {
    this.#highWaterMark = opts.highWaterMark ?? 10_000;
    this.#redact = opts.redact;
    this.#socket = new WatchedPub({
      sendHighWaterMark: this.#highWaterMark,
      reconnectInterval: 100,
      reconnectMaxInterval: 500,
      ...(opts.curve ? { curve: opts.curve } : {}),
      ...(opts.coalesce ? { coalesce: 'burst' as const } : {}),
    });
    const holdMs = opts.holdAtStartMs ?? 0;
    if (holdMs > 0) {
      this.#held = [];
      this.#socket.onSubscription = () => this.#release(false);
      this.#holdTimer = setTimeout(() => this.#release(true), holdMs);
      this.#holdTimer.unref?.();
    }
    this.#socket.connect(opts.endpoint);
  }

  /**
   * Publishes one event on the topic derived from it. The event is encoded now: a caller may change the
   * object afterwards.
   */
  async publish(event: StationEvent): Promise<void> {
    // The topic as text: the socket keeps the bytes of short strings it sent before (a handful of topics).
    const topic = topicOf(event);
    const body = this.#redact ? Buffer.from(this.#redact(JSON.stringify(event))) : encodeJson(event);
    const held = this.#held;
    if (held) {
      const frames: EventFrames = [Buffer.from(topic), body];
      // Behind an event already held (order is kept), or nobody asked for it yet: held for now.
      if (held.length > 0 || !this.#socket.hasSubscriber(frames[0])) {
        if (held.length < this.#highWaterMark) held.push(frames);
        return;
      }
    }
    await this.#socket.send([topic, body]);
  }

  /** Sends the held events someone subscribed to, in order; at the window's end all of them. */
  #release(windowOver: boolean): void {
    const held = this.#held;
    if (!held) return;
    while (held.length > 0 && (windowOver || this.#socket.hasSubscriber(held[0]![0]))) {
      this.#socket.send(held.shift()!).catch(() => undefined);
    }
    if (windowOver) this.#endHold();
  }

  #endHold(): void {
    this.#held = undefined;
    this.#socket.onSubscription = undefined;
    if (this.#holdTimer) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
  }

  close(): void {
    this.#endHold();
    this.#socket.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

export interface ReceivedEvent {
  topic: string;
  event: StationEvent;
}

export interface SubscriberOptions {
  /** The broker's event output endpoint (its XPUB side). */
  endpoint: string;
  /** Topic prefixes; `''` = everything. */
  prefixes: string[];
  logger?: BusLogger;
  highWaterMark?: number;
  /** CURVE client keys, for a broker endpoint that requires them (docs/protocol.md, "Security"). */
  curve?: CurveClientOptions;
}

/**
 * Receives station events whose topic starts with one of the prefixes, as an async iterator that ends on
 * `close()`. Malformed messages, and events that do not match their schema, are logged and skipped.
 * @example for await (const { event } of new Subscriber({ endpoint, prefixes: ['batch.batch_1.'] })) ...
 */
export class Subscriber implements AsyncIterable<ReceivedEvent> {
  readonly #socket: Sub;
  readonly #log: BusLogger | undefined;

  constructor(opts: SubscriberOptions) {
    this.#log = opts.logger;
    this.#socket = new Sub({
      receiveHighWaterMark: opts.highWaterMark ?? 10_000,
      reconnectInterval: 100,
      reconnectMaxInterval: 500,
      ...(opts.curve ? { curve: opts.curve } : {}),
    });
    for (const p of opts.prefixes) this.#socket.subscribe(p);
    this.#socket.connect(opts.endpoint);
  }

  subscribe(prefix: string): void {
    this.#socket.subscribe(prefix);
  }

  /**
   * Calls `fn(true)` whenever the link to the broker is (re)established and `fn(false)` when it drops:
   * events published meanwhile are lost, so a reader that keeps state resynchronises on `true`.
   */
  onLink(fn: (up: boolean) => void): void {
    this.#socket.events.on('handshake', () => fn(true));
    this.#socket.events.on('disconnected', () => fn(false));
  }

  unsubscribe(prefix: string): void {
    this.#socket.unsubscribe(prefix);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReceivedEvent> {
    for await (const frames of this.#socket) {
      try {
        if (frames.length !== 2) throw new ProtocolViolation(`event has ${frames.length} frames, expected 2`);
        const event = decodeJson(frames[1]!, 'event body');
        checkEvent ??= TypeCompiler.Compile(StationEvent);
        if (!checkEvent.Check(event)) throw new ProtocolViolation(eventProblem(event));
        yield { topic: text.decode(frames[0]), event };
      } catch (err) {
        if (!(err instanceof ProtocolViolation)) throw err;
        this.#log?.warn({ err: err.message }, 'bus subscriber: dropped a malformed event');
      }
    }
  }

  close(): void {
    this.#socket.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

/** Why a body is not a station event, against the schema of the type it claims. */
function eventProblem(body: unknown): string {
  const type = body && typeof body === 'object' && 'type' in body ? body.type : undefined;
  if (typeof type !== 'string') return 'event body has no type';
  if (!isEventType(type)) return `unknown event type ${JSON.stringify(type).slice(0, 60)}`;
  const first = checkerOf(events[type]).Errors(body).First();
  return `event does not match its schema: ${first?.path || '/'} ${first?.message ?? ''}`.trimEnd();
}
