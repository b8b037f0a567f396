// Station events over the broker's event bus: publishers connect a PUB to its XSUB side, subscribers a
// SUB to its XPUB side. Topic `batch.<batchId>.<type>` or `system.<type>`; body = SPEC §3.2 message.

import { TypeCompiler } from '@sinclair/typebox/compiler';
import { events, isEventType, StationEvent } from '@station/model';
import { type CurveClientOptions, Pub, Sub } from '@station/zmtp';
import { checkerOf } from './check.ts';
import { topicOf } from './contract.ts';
import { decodeJson, encodeJson, ProtocolViolation } from './protocol.ts';
import type { BusLogger } from './types.ts';

const utf8 = new TextEncoder();
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
}

/**
 * Publishes station events. Events are fire-and-forget: while the broker is away they are dropped, which
 * is why every screen also gets a `batch_status` snapshot when it subscribes.
 */
export class Publisher {
  readonly #socket: Pub;

  constructor(opts: PublisherOptions) {
    this.#socket = new Pub({
      sendHighWaterMark: opts.highWaterMark ?? 10_000,
      reconnectInterval: 100,
      reconnectMaxInterval: 500,
      ...(opts.curve ? { curve: opts.curve } : {}),
    });
    this.#socket.connect(opts.endpoint);
  }

  /** Publishes one event on the topic derived from it. */
  async publish(event: StationEvent): Promise<void> {
    await this.#socket.send([utf8.encode(topicOf(event)), encodeJson(event)]);
  }

  close(): void {
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
