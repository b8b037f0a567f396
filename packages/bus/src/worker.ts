// The serving side of the bus: a worker registers a service name with the broker and answers its methods.
import { systemTimers, type Timers } from '@station/time';
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
import { BusError, toErrorBody } from './errors.ts';
import {
  type BrokerToWorker,
  decodeBrokerToWorker,
  decodeJson,
  encodeJson,
  encodeWorkerMessage,
  ProtocolViolation,
  type WorkerMessage,
} from './protocol.ts';
import { findReservedKey } from './reserved.ts';
import type { BusLogger } from './types.ts';

/** What a handler learns about the request besides its body. */
export interface RequestContext {
  method: string;
  /** Epoch ms after which the caller no longer waits. */
  deadline: number;
}

export type Handlers<S extends ServiceName> = {
  [M in MethodOf<KindOf<S>>]: (
    body: BodyOf<KindOf<S>, M>,
    ctx: RequestContext,
  ) => ReplyOf<KindOf<S>, M> | Promise<ReplyOf<KindOf<S>, M>>;
};

export interface ServeOptions<S extends ServiceName> {
  /** The broker's service-bus endpoint. */
  endpoint: string;
  service: S;
  handlers: Handlers<S>;
  logger?: BusLogger;
  /** Heartbeat period towards the broker (ms). */
  heartbeatMs?: number;
  /** Missed heartbeats after which the broker is considered gone. */
  liveness?: number;
  /** The clock and timers of heartbeats and the broker's liveness (default: the real ones). */
  clock?: Timers;
  /** CURVE client keys, for a broker endpoint that requires them (docs/protocol.md, "Security"). */
  curve?: CurveClientOptions;
}

export interface Worker {
  readonly service: string;
  /** Whether the worker is linked to the broker right now. */
  readonly connected: boolean;
  /** Resolves once the worker has announced itself to the broker (or false after `ms`). */
  ready(ms?: number): Promise<boolean>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Serves `service` on the bus. Bodies are validated against the contract before a handler runs: a body
 * that fails is answered BAD_REQUEST with every field error. Requests are handled concurrently.
 * @example serve({ endpoint, service: 'sync', handlers: { health, 'sync.now': now, 'sync.status': status } })
 */
export function serve<S extends ServiceName>(opts: ServeOptions<S>): Worker {
  const heartbeatMs = opts.heartbeatMs ?? 1000;
  const liveness = opts.liveness ?? 5;
  const clock = opts.clock ?? systemTimers;
  const log = opts.logger;
  // A validated boundary: handlers are looked up by the method name that came over the wire, and each
  // body is checked against that method's contract schema (below) before its handler sees it, so the
  // typed table may be used as an untyped one here.
  const handlers = opts.handlers as unknown as Record<
    string,
    (body: unknown, ctx: RequestContext) => unknown
  >;
  const socket = new Dealer({
    reconnectInterval: 100,
    reconnectMaxInterval: 500,
    ...(opts.curve ? { curve: opts.curve } : {}),
  });
  const link = new LinkState(socket);
  let closed = false;
  let lastFromBroker = clock.now();
  // True once the broker has answered our READY (it sends a heartbeat back at once).
  let registered = false;
  const registeredWaiters = new Set<() => void>();

  const send = (m: WorkerMessage) =>
    socket.send(encodeWorkerMessage(m)).catch((err: unknown) => {
      if (!closed) log?.warn({ err: String(err), command: m.command }, 'bus worker: send failed');
    });
  const announce = () => {
    lastFromBroker = clock.now();
    registered = false;
    void send({ command: 'ready', service: opts.service });
  };
  link.onUp(announce);
  link.onDown(() => {
    registered = false;
  });

  const beat = clock.every(heartbeatMs, () => {
    if (!link.up) return;
    if (clock.now() - lastFromBroker > heartbeatMs * liveness) {
      // The broker stopped answering without closing the link (frozen or overloaded): announce again, so
      // that when it recovers it knows us even if it expired us meanwhile.
      log?.warn({ service: opts.service }, 'bus worker: broker silent, re-announcing');
      announce();
      return;
    }
    void send({ command: 'hb' });
  });

  async function handle(req: Extract<BrokerToWorker, { command: 'req' }>): Promise<void> {
    const reply = (status: 'ok' | 'err', body: unknown) =>
      send({
        command: 'rep',
        clientId: req.clientId,
        requestId: req.requestId,
        status,
        body: encodeJson(body),
      });
    const schema = methodSchema(opts.service, req.method);
    const handler = Object.hasOwn(handlers, req.method) ? handlers[req.method] : undefined;
    if (!schema || !handler) {
      return reply('err', {
        code: 'UNKNOWN_METHOD',
        message: `${opts.service} has no method ${req.method}`,
        details: { methods: Object.keys(handlers) },
      });
    }
    let body: unknown;
    try {
      body = decodeJson(req.body);
    } catch (err) {
      return reply('err', { code: 'BAD_REQUEST', message: (err as Error).message });
    }
    // Checked before the schema: a record of unknown values would let a reserved key through.
    const reserved = findReservedKey(body);
    if (reserved !== undefined) {
      const message = `${reserved.slice(reserved.lastIndexOf('/') + 1)} is a reserved name`;
      return reply('err', {
        code: 'BAD_REQUEST',
        message: `${req.method}: ${reserved} ${message}`,
        details: { errors: [{ path: reserved, message }] },
      });
    }
    const check = checkerOf(schema.body);
    if (!check.Check(body)) {
      const errors = [...check.Errors(body)].map((e) => ({
        path: e.path || '/',
        message: e.message,
      }));
      return reply('err', {
        code: 'BAD_REQUEST',
        message: `${req.method}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
        details: { errors },
      });
    }
    try {
      const value = await handler(body, { method: req.method, deadline: clock.now() + req.timeoutMs });
      await reply('ok', value);
    } catch (err) {
      const { body: errBody, exposed } = toErrorBody(err);
      if (!exposed) log?.error({ err, method: req.method }, 'bus worker: handler failed');
      await reply('err', errBody);
    }
  }

  async function receiveLoop(): Promise<void> {
    try {
      for await (const frames of socket) {
        lastFromBroker = clock.now();
        if (!registered) {
          registered = true;
          for (const w of [...registeredWaiters]) w();
        }
        let msg: BrokerToWorker;
        try {
          msg = decodeBrokerToWorker(frames);
        } catch (err) {
          if (!(err instanceof ProtocolViolation)) throw err;
          log?.warn({ err: err.message }, 'bus worker: dropped a malformed message');
          continue;
        }
        if (msg.command === 'req') void handle(msg);
        else if (msg.command === 'bye') announce(); // the broker does not know us (it restarted or expired us)
      }
    } catch (err) {
      if (!closed) log?.error({ err }, 'bus worker: receive loop ended');
    }
  }

  socket.connect(opts.endpoint);
  void receiveLoop();

  const worker: Worker = {
    service: opts.service,
    get connected() {
      return link.up;
    },
    ready(ms = 5000) {
      if (registered) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          registeredWaiters.delete(done);
          resolve(registered);
        };
        const timer = setTimeout(done, ms);
        registeredWaiters.add(done);
      });
    },
    async close() {
      if (closed) return;
      if (link.up) await send({ command: 'bye' });
      closed = true;
      beat.cancel();
      socket.close();
    },
    [Symbol.asyncDispose]() {
      return worker.close();
    },
  };
  return worker;
}

export { BusError };
