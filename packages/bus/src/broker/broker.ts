// The broker, the third party of SSB/1 (docs/protocol.md): routes requests from clients to the worker
// serving the named service, heartbeats the workers, and forwards every event from publishers (XSUB) to
// matching subscribers (XPUB). apps/broker runs one; tests run one in process or as a fixture.
import { systemTimers, type Timer, type Timers } from '@station/time';
import { type CurveServerOptions, Router, type Socket, XPub, XSub, ZmtpError } from '@station/zmtp';
import * as protocol from '../protocol.ts';
import type { BusLogger } from '../types.ts';
import type { BrokerMethods, BrokerObserver, BrokerStats } from './observer.ts';
import { type HeldRequest, hex, type WorkerEntry, WorkerRegistry } from './workers.ts';

const { BROKER_SERVICE, ProtocolViolation } = protocol;

export interface BrokerOptions {
  /** ROUTER endpoint that clients and workers connect to. */
  serviceBus: string;
  /** XSUB endpoint that publishers connect to. */
  eventIn: string;
  /** XPUB endpoint that subscribers connect to. */
  eventOut: string;
  /**
   * Three more endpoints (tcp) on the same sockets for batch hosts on other machines, where every
   * connection must pass CURVE with a client key `curve.authorize` accepts. The endpoints above stay NULL
   * (local unix sockets; docs/protocol.md "Security").
   */
  remote?: { serviceBus: string; eventIn: string; eventOut: string; curve: CurveServerOptions };
  logger: BusLogger;
  /**
   * Heartbeat period towards workers (ms, default 1000); a worker silent for `liveness` periods (default 5)
   * is dropped. Generous, because 50 runners on 2 busy cores answer late; a worker that died is noticed
   * within one period anyway (its heartbeat cannot be delivered).
   */
  heartbeatMs?: number;
  liveness?: number;
  /** The clock and timers of heartbeats, expiry and deadlines (default: the real ones). */
  clock?: Timers;
  /** Told of what passes through, for metrics (apps/broker/src/metrics.ts). */
  observer?: BrokerObserver;
  methods?: BrokerMethods;
}

/**
 * One station broker. `Broker.start()` binds its three endpoints; `close()` releases them.
 * Malformed traffic is dropped and logged (rate-limited) without affecting anyone else.
 */
export class Broker {
  readonly #router: Router;
  readonly #xsub: XSub;
  readonly #xpub: XPub;
  readonly #log: BusLogger;
  readonly #heartbeatMs: number;
  readonly #clock: Timers;
  readonly #startedAt: number;
  readonly #registry: WorkerRegistry;
  #timer: Timer | undefined;
  #closed = false;
  readonly #observer: BrokerObserver | undefined;
  readonly #methods: BrokerMethods;
  #dropped = 0;
  #localEndpoints = { serviceBus: '', eventIn: '', eventOut: '' };
  #remoteEndpoints: { serviceBus: string; eventIn: string; eventOut: string } | undefined;
  #droppedLoggedAt = 0;

  private constructor(opts: BrokerOptions) {
    this.#log = opts.logger;
    this.#heartbeatMs = opts.heartbeatMs ?? 1000;
    this.#clock = opts.clock ?? systemTimers;
    this.#startedAt = this.#clock.now();
    this.#observer = opts.observer;
    this.#methods = opts.methods ?? {};
    this.#registry = new WorkerRegistry(this.#heartbeatMs * (opts.liveness ?? 5));
    this.#router = new Router({ mandatory: true, sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000 });
    this.#xsub = new XSub({ receiveHighWaterMark: 10_000 });
    // Events forwarded in the same turn (a publisher's burst, read in one chunk) go to each subscriber in
    // one write, so a subscriber reads the burst whole rather than acting on its first event alone.
    this.#xpub = new XPub({ sendHighWaterMark: 10_000, coalesce: true });
  }

  /** Binds the three endpoints and starts routing. */
  static async start(opts: BrokerOptions): Promise<Broker> {
    const broker = new Broker(opts);
    try {
      await broker.#router.bind(opts.serviceBus, { curve: null });
      await broker.#xsub.bind(opts.eventIn, { curve: null });
      await broker.#xpub.bind(opts.eventOut, { curve: null });
      broker.#localEndpoints = {
        serviceBus: broker.#router.lastEndpoint ?? '',
        eventIn: broker.#xsub.lastEndpoint ?? '',
        eventOut: broker.#xpub.lastEndpoint ?? '',
      };
      const remote = opts.remote;
      if (remote !== undefined) {
        const curve = { curve: remote.curve };
        await broker.#router.bind(remote.serviceBus, curve);
        await broker.#xsub.bind(remote.eventIn, curve);
        await broker.#xpub.bind(remote.eventOut, curve);
        for (const socket of [broker.#router, broker.#xsub, broker.#xpub]) broker.#logRefusals(socket);
        broker.#remoteEndpoints = {
          serviceBus: broker.#router.lastEndpoint ?? remote.serviceBus,
          eventIn: broker.#xsub.lastEndpoint ?? remote.eventIn,
          eventOut: broker.#xpub.lastEndpoint ?? remote.eventOut,
        };
      }
    } catch (err) {
      broker.close();
      throw err;
    }
    broker.#timer = broker.#clock.every(broker.#heartbeatMs, () => broker.#tick());
    void broker.#routerLoop();
    void broker.#forward(broker.#xsub, broker.#xpub, 'event', opts.observer);
    void broker.#forward(broker.#xpub, broker.#xsub, 'subscription');
    return broker;
  }

  /** The bound endpoints (with real ports for `tcp://...:0`). */
  get endpoints(): { serviceBus: string; eventIn: string; eventOut: string } {
    return this.#localEndpoints;
  }

  /** The CURVE endpoints for batch hosts (real ports), when `remote` was given. */
  get remoteEndpoints(): { serviceBus: string; eventIn: string; eventOut: string } | undefined {
    return this.#remoteEndpoints;
  }

  /** Logs every connection refused on a CURVE endpoint (wrong keys, unknown hosts, broken boxes). */
  #logRefusals(socket: Socket): void {
    socket.events.on('handshake-failed', (event) => {
      if (this.#closed) return;
      this.#log.warn(
        { endpoint: event.endpoint, code: event.error.code, err: event.error.message },
        'broker: a connection was refused',
      );
    });
    socket.events.on('handshake', (event) => {
      if (event.publicKey === undefined) return;
      this.#log.info(
        { endpoint: event.endpoint, peer: event.peer, key: event.publicKey },
        'broker: CURVE client connected',
      );
    });
    socket.events.on('disconnected', (event) => {
      const code = event.reason?.split(':')[0];
      if (code === 'BAD_BOX' || code === 'BAD_NONCE' || code === 'BAD_COMMAND') {
        this.#log.warn(
          { endpoint: event.endpoint, reason: event.reason },
          'broker: a connection was dropped for bad traffic',
        );
      }
    });
  }

  /** Live workers, and the requests each service holds unanswered. */
  stats(): BrokerStats {
    const pending: Record<string, number> = {};
    for (const w of this.#registry.workers()) pending[w.service] = (pending[w.service] ?? 0) + w.holds.size;
    return { workers: this.#registry.workers().length, pending };
  }

  /** Names of the services with a live worker. */
  services(): string[] {
    return this.#registry.services();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    this.#router.close();
    this.#xsub.close();
    this.#xpub.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  async #routerLoop(): Promise<void> {
    try {
      for await (const msg of this.#router) {
        const [peer, ...frames] = msg;
        if (!peer) continue;
        try {
          if (protocol.dialogueOf(frames) === 'C') this.#onClient(peer, frames);
          else this.#onWorker(peer, frames);
        } catch (err) {
          if (!(err instanceof ProtocolViolation)) throw err;
          this.#drop(peer, err.message);
        }
      }
    } catch (err) {
      if (!this.#closed) this.#log.error({ err }, 'broker: service bus loop ended');
    }
  }

  async #forward(from: XSub | XPub, to: XSub | XPub, what: string, observer?: BrokerObserver): Promise<void> {
    try {
      for await (const msg of from) {
        observer?.event();
        to.send(msg).catch((err: unknown) => {
          if (!this.#closed) this.#log.warn({ err: String(err) }, `broker: could not forward ${what}`);
        });
      }
    } catch (err) {
      if (!this.#closed) this.#log.error({ err }, `broker: ${what} forwarding ended`);
    }
  }

  #onClient(clientId: Uint8Array, frames: Uint8Array[]): void {
    const req = protocol.decodeClientRequest(frames);
    if (req.service === BROKER_SERVICE) {
      const extra = Object.hasOwn(this.#methods, req.method) ? this.#methods[req.method] : undefined;
      if (extra) {
        this.#answerLater(clientId, req.requestId, extra);
        return;
      }
      const reply =
        req.method === 'ping'
          ? {
              status: 'ok' as const,
              body: { uptime: (this.#clock.now() - this.#startedAt) / 1000, services: this.services() },
            }
          : {
              status: 'err' as const,
              body: { code: 'UNKNOWN_METHOD', message: `broker has no method ${req.method}` },
            };
      this.#toClient(clientId, req.requestId, reply.status, reply.body);
      return;
    }
    const worker = this.#registry.serving(req.service);
    this.#observer?.request(req.service, worker ? 'routed' : 'unavailable');
    if (!worker) {
      this.#toClient(clientId, req.requestId, 'err', {
        code: 'SERVICE_UNAVAILABLE',
        message: `no live worker serves ${req.service}`,
        details: { service: req.service, available: this.services() },
      });
      return;
    }
    this.#registry.hold(worker, clientId, req.requestId, this.#clock.now() + req.timeoutMs);
    this.#toWorker(worker, [
      ...protocol.encodeBrokerToWorker({
        command: 'req',
        clientId,
        requestId: req.requestId,
        method: req.method,
        body: req.body,
        timeoutMs: req.timeoutMs,
      }),
    ]);
  }

  #onWorker(id: Uint8Array, frames: Uint8Array[]): void {
    const msg = protocol.decodeWorkerMessage(frames);
    const key = hex(id);
    const known = this.#registry.get(key);
    if (known) this.#registry.heard(known, this.#clock.now());
    switch (msg.command) {
      case 'ready':
        this.#register(id, key, msg.service);
        return;
      case 'hb':
        if (!known) this.#sendRaw(id, protocol.encodeBrokerToWorker({ command: 'bye' }));
        return;
      case 'bye':
        if (known) this.#removeWorker(known, 'worker signed off');
        return;
      case 'rep': {
        if (!known) {
          this.#sendRaw(id, protocol.encodeBrokerToWorker({ command: 'bye' }));
          return;
        }
        // Past its deadline the client gave up; nobody waits for this reply.
        if (!this.#registry.release(known, msg.clientId, msg.requestId)) return;
        this.#sendRaw(msg.clientId, protocol.encodeClientReply(msg));
        return;
      }
    }
  }

  #register(id: Uint8Array, key: string, service: string): void {
    const { isNew, displaced } = this.#registry.register(id, key, service, this.#clock.now());
    for (const d of displaced) {
      this.#removed(d.worker, d.reason, d.lost);
      if (d.tell) this.#sendRaw(d.worker.id, protocol.encodeBrokerToWorker({ command: 'bye' }));
    }
    if (isNew) this.#log.info({ service, worker: key }, 'broker: worker registered');
    // Acknowledge at once, so the worker knows requests can reach it from now on.
    this.#sendRaw(id, protocol.encodeBrokerToWorker({ command: 'hb' }));
  }

  #removeWorker(worker: WorkerEntry, reason: string): void {
    const lost = this.#registry.remove(worker);
    if (lost) this.#removed(worker, reason, lost);
  }

  /** Logs a removal and fails the requests the worker held to their clients. */
  #removed(worker: WorkerEntry, reason: string, lost: HeldRequest[]): void {
    this.#log.info({ service: worker.service, worker: worker.key, reason }, 'broker: worker removed');
    for (const p of lost) {
      this.#toClient(p.clientId, p.requestId, 'err', {
        code: 'SERVICE_UNAVAILABLE',
        message: `${worker.service} went away before answering (${reason})`,
        details: { service: worker.service },
      });
    }
  }

  #tick(): void {
    const now = this.#clock.now();
    for (const worker of this.#registry.expired(now)) this.#removeWorker(worker, 'missed heartbeats');
    // A worker whose connection is gone (killed) fails this send at once and is removed: a dead worker is
    // noticed within one period, a hung one within `liveness` periods.
    for (const worker of this.#registry.workers())
      this.#toWorker(worker, protocol.encodeBrokerToWorker({ command: 'hb' }));
    this.#registry.forgetOverdue(now);
  }

  #toClient(clientId: Uint8Array, requestId: string, status: 'ok' | 'err', body: unknown): void {
    this.#sendRaw(
      clientId,
      protocol.encodeClientReply({ requestId, status, body: protocol.encodeJson(body) }),
    );
  }

  #toWorker(worker: WorkerEntry, frames: Uint8Array[]): void {
    this.#router.send([worker.id, ...frames]).catch((err: unknown) => {
      if (this.#closed) return;
      // The worker's connection is gone (ROUTER mandatory): it will not answer, so say so now.
      if (err instanceof ZmtpError && err.code === 'HOST_UNREACHABLE')
        this.#removeWorker(worker, 'connection lost');
      else this.#log.warn({ err: String(err), service: worker.service }, 'broker: send to worker failed');
    });
  }

  #sendRaw(peer: Uint8Array, frames: Uint8Array[]): void {
    this.#router.send([peer, ...frames]).catch((err: unknown) => {
      if (this.#closed) return;
      if (err instanceof ZmtpError && err.code === 'HOST_UNREACHABLE') return; // peer left; nothing to tell it
      this.#log.warn({ err: String(err) }, 'broker: send failed');
    });
  }

  /** Answers a `broker` method that may take a moment (a metrics scrape) without holding up routing. */
  #answerLater(clientId: Uint8Array, requestId: string, method: () => unknown): void {
    Promise.resolve()
      .then(method)
      .then(
        (body) => this.#toClient(clientId, requestId, 'ok', body),
        (err: unknown) => {
          this.#log.warn({ err: String(err) }, 'broker: a broker method failed');
          this.#toClient(clientId, requestId, 'err', { code: 'INTERNAL', message: String(err) });
        },
      );
  }

  #drop(peer: Uint8Array, reason: string): void {
    this.#observer?.dropped();
    this.#dropped++;
    const now = this.#clock.now();
    // At most one line per second, so a peer spewing garbage cannot flood the log.
    if (now - this.#droppedLoggedAt >= 1000) {
      this.#log.warn(
        { peer: hex(peer), reason, dropped: this.#dropped },
        'broker: dropped malformed message(s)',
      );
      this.#droppedLoggedAt = now;
      this.#dropped = 0;
    }
  }
}
