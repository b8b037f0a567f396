// The requesting side of the bus: `request(service, method, body)` through the broker, typed both ways.
import { type CurveClientOptions, Dealer } from '@station/zmtp';
import { checkerOf } from './check.ts';
import { LinkState } from './connection.ts';
import {
  type BodyOf,
  type KindOf,
  type MethodOf,
  methodSchema,
  type ReplyOf,
  type ServiceName,
} from './contract.ts';
import { BusError, fromErrorBody } from './errors.ts';
import {
  decodeClientReply,
  decodeJson,
  encodeClientRequest,
  encodeJson,
  ProtocolViolation,
} from './protocol.ts';
import type { BusLogger } from './types.ts';

export interface ClientOptions {
  /** The broker's service-bus endpoint, e.g. `ipc:///var/lib/station/run/bus.sock`. */
  endpoint: string;
  /** Default deadline of a request. */
  timeoutMs?: number;
  logger?: BusLogger;
  /** How fast to retry the broker after it went away (ms). */
  reconnectInterval?: number;
  /** CURVE client keys, for a broker endpoint that requires them (docs/protocol.md, "Security"). */
  curve?: CurveClientOptions;
}

export interface RequestOptions {
  timeoutMs?: number;
}

interface Pending {
  service: string;
  method: string;
  resolve: (value: unknown) => void;
  reject: (err: BusError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A connection to the broker for making requests. Concurrent requests share it and are matched by id.
 * Every request settles: with the reply, the remote's typed error, TIMEOUT at its deadline, or
 * SERVICE_UNAVAILABLE at once when the broker is unreachable or the link drops.
 * @example const batches = await client.request('supervisor', 'batch.list', {});
 */
export class BusClient {
  readonly endpoint: string;
  readonly #socket: Dealer;
  readonly #link: LinkState;
  readonly #pending = new Map<string, Pending>();
  readonly #timeoutMs: number;
  readonly #log: BusLogger | undefined;
  #seq = 0;
  #closed = false;
  readonly #prefix = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  constructor(opts: ClientOptions) {
    this.endpoint = opts.endpoint;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    this.#log = opts.logger;
    this.#socket = new Dealer({
      reconnectInterval: opts.reconnectInterval ?? 100,
      reconnectMaxInterval: 500,
      // A request must not be queued while the broker is away: it would arrive after its deadline.
      sendHighWaterMark: 10_000,
      ...(opts.curve ? { curve: opts.curve } : {}),
    });
    this.#link = new LinkState(this.#socket);
    this.#link.onDown(() => this.#failAll('connection to the broker was lost before the reply arrived'));
    this.#socket.connect(opts.endpoint);
    void this.#receiveLoop();
  }

  /** Whether the broker is connected right now. */
  get connected(): boolean {
    return this.#link.up;
  }

  /** Sends a request and resolves with its validated reply. */
  async request<S extends ServiceName, M extends MethodOf<KindOf<S>>>(
    service: S,
    method: M,
    body: BodyOf<KindOf<S>, M>,
    opts: RequestOptions = {},
  ): Promise<ReplyOf<KindOf<S>, M>> {
    return (await this.requestRaw(service, method, body, opts)) as ReplyOf<KindOf<S>, M>;
  }

  /** Untyped form of `request` for callers that route names from outside (validated all the same). */
  async requestRaw(
    service: string,
    method: string,
    body: unknown,
    opts: RequestOptions = {},
  ): Promise<unknown> {
    if (this.#closed) throw new BusError('CLOSED', 'bus client is closed');
    const schema = methodSchema(service, method);
    if (!schema) throw new BusError('UNKNOWN_METHOD', `no method ${method} on service ${service}`);
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const deadline = Date.now() + timeoutMs;
    if (!this.#link.up && !(await this.#link.waitUp(Math.min(timeoutMs, 1000)))) {
      throw new BusError('SERVICE_UNAVAILABLE', `broker not reachable at ${this.endpoint}`, {
        details: { service, method },
      });
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      throw new BusError('TIMEOUT', `${service} ${method}: no reply within ${timeoutMs} ms`);
    const requestId = `${this.#prefix}.${(++this.#seq).toString(36)}`;
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new BusError('TIMEOUT', `${service} ${method}: no reply within ${timeoutMs} ms`));
      }, remaining);
      this.#pending.set(requestId, { service, method, resolve, reject, timer });
    });
    reply.catch(() => {}); // settled while the send is still in progress: handled by the await below
    try {
      await this.#socket.send(
        encodeClientRequest({ requestId, service, method, body: encodeJson(body), timeoutMs: remaining }),
      );
    } catch (err) {
      this.#settle(
        requestId,
        new BusError('SERVICE_UNAVAILABLE', `could not send to the broker: ${String(err)}`),
      );
    }
    const value = await reply;
    const check = checkerOf(schema.reply);
    if (!check.Check(value)) {
      const first = check.Errors(value).First();
      throw new BusError('BAD_REPLY', `${service} ${method}: reply does not match its schema`, {
        details: first ? { path: first.path, message: first.message } : undefined,
      });
    }
    return value;
  }

  /** Closes the connection; pending requests end with CLOSED. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id] of this.#pending) this.#settle(id, new BusError('CLOSED', 'bus client closed'));
    this.#socket.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #failAll(message: string): void {
    for (const [id, p] of this.#pending) {
      this.#settle(id, new BusError('SERVICE_UNAVAILABLE', `${p.service} ${p.method}: ${message}`));
    }
  }

  #settle(id: string, outcome: BusError | { value: unknown }): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (outcome instanceof BusError) p.reject(outcome);
    else p.resolve(outcome.value);
  }

  async #receiveLoop(): Promise<void> {
    try {
      for await (const frames of this.#socket) {
        try {
          const reply = decodeClientReply(frames);
          const p = this.#pending.get(reply.requestId);
          if (!p) continue; // late reply to a request that already timed out
          const body = decodeJson(reply.body, 'reply body');
          this.#settle(
            reply.requestId,
            reply.status === 'ok' ? { value: body } : fromErrorBody(body, p.service, p.method),
          );
        } catch (err) {
          if (!(err instanceof ProtocolViolation)) throw err;
          this.#log?.warn({ err: err.message }, 'bus client: dropped a malformed reply');
        }
      }
    } catch (err) {
      if (!this.#closed) this.#log?.error({ err }, 'bus client: receive loop ended');
    }
  }
}
