// The broker: routes SSB/1 requests from clients to the worker serving the named service, heartbeats the
// workers, and forwards every event from publishers (XSUB) to matching subscribers (XPUB).
import { type BusLogger, protocol } from '@station/bus';
import { Router, XPub, XSub, ZmtpError } from '@station/zmtp';

const { BROKER_SERVICE, ProtocolViolation } = protocol;

export interface BrokerOptions {
  /** ROUTER endpoint that clients and workers connect to. */
  serviceBus: string;
  /** XSUB endpoint that publishers connect to. */
  eventIn: string;
  /** XPUB endpoint that subscribers connect to. */
  eventOut: string;
  logger: BusLogger;
  /**
   * Heartbeat period towards workers (ms, default 1000); a worker silent for `liveness` periods (default 5)
   * is dropped. Generous, because 50 runners on 2 busy cores answer late; a worker that died is noticed
   * within one period anyway (its heartbeat cannot be delivered).
   */
  heartbeatMs?: number;
  liveness?: number;
  now?: () => number;
}

interface WorkerEntry {
  id: Uint8Array;
  key: string;
  service: string;
  expiresAt: number;
  /** Requests forwarded to this worker and not yet answered, by `clientKey/requestId`. */
  pending: Set<string>;
}

interface PendingRequest {
  clientId: Uint8Array;
  requestId: string;
  worker: string;
  deadline: number;
}

const hex = (id: Uint8Array) => Buffer.from(id).toString('hex');

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
  readonly #liveness: number;
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #workers = new Map<string, WorkerEntry>();
  readonly #services = new Map<string, string>();
  readonly #pending = new Map<string, PendingRequest>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #dropped = 0;
  #droppedLoggedAt = 0;

  private constructor(opts: BrokerOptions) {
    this.#log = opts.logger;
    this.#heartbeatMs = opts.heartbeatMs ?? 1000;
    this.#liveness = opts.liveness ?? 5;
    this.#now = opts.now ?? Date.now;
    this.#startedAt = this.#now();
    this.#router = new Router({ mandatory: true, sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000 });
    this.#xsub = new XSub({ receiveHighWaterMark: 10_000 });
    this.#xpub = new XPub({ sendHighWaterMark: 10_000 });
  }

  /** Binds the three endpoints and starts routing. */
  static async start(opts: BrokerOptions): Promise<Broker> {
    const broker = new Broker(opts);
    try {
      await broker.#router.bind(opts.serviceBus);
      await broker.#xsub.bind(opts.eventIn);
      await broker.#xpub.bind(opts.eventOut);
    } catch (err) {
      broker.close();
      throw err;
    }
    broker.#timer = setInterval(() => broker.#tick(), broker.#heartbeatMs);
    void broker.#routerLoop();
    void broker.#forward(broker.#xsub, broker.#xpub, 'event');
    void broker.#forward(broker.#xpub, broker.#xsub, 'subscription');
    return broker;
  }

  /** The bound endpoints (with real ports for `tcp://...:0`). */
  get endpoints(): { serviceBus: string; eventIn: string; eventOut: string } {
    return {
      serviceBus: this.#router.lastEndpoint ?? '',
      eventIn: this.#xsub.lastEndpoint ?? '',
      eventOut: this.#xpub.lastEndpoint ?? '',
    };
  }

  /** Names of the services with a live worker. */
  services(): string[] {
    return [...this.#services.keys()].sort();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
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

  async #forward(from: XSub | XPub, to: XSub | XPub, what: string): Promise<void> {
    try {
      for await (const msg of from) {
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
      const reply =
        req.method === 'ping'
          ? {
              status: 'ok' as const,
              body: { uptime: (this.#now() - this.#startedAt) / 1000, services: this.services() },
            }
          : {
              status: 'err' as const,
              body: { code: 'UNKNOWN_METHOD', message: `broker has no method ${req.method}` },
            };
      this.#toClient(clientId, req.requestId, reply.status, reply.body);
      return;
    }
    const workerKey = this.#services.get(req.service);
    const worker = workerKey ? this.#workers.get(workerKey) : undefined;
    if (!worker) {
      this.#toClient(clientId, req.requestId, 'err', {
        code: 'SERVICE_UNAVAILABLE',
        message: `no live worker serves ${req.service}`,
        details: { service: req.service, available: this.services() },
      });
      return;
    }
    const key = `${hex(clientId)}/${req.requestId}`;
    this.#pending.set(key, {
      clientId,
      requestId: req.requestId,
      worker: worker.key,
      deadline: this.#now() + req.timeoutMs,
    });
    worker.pending.add(key);
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
    const known = this.#workers.get(key);
    if (known) known.expiresAt = this.#now() + this.#heartbeatMs * this.#liveness;
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
        const pendingKey = `${hex(msg.clientId)}/${msg.requestId}`;
        known.pending.delete(pendingKey);
        if (!this.#pending.delete(pendingKey)) return; // the client gave up; nobody waits for this reply
        this.#sendRaw(msg.clientId, protocol.encodeClientReply(msg));
        return;
      }
    }
  }

  #register(id: Uint8Array, key: string, service: string): void {
    const previous = this.#workers.get(key);
    if (previous && previous.service !== service) this.#removeWorker(previous, `re-registered as ${service}`);
    const holder = this.#services.get(service);
    if (holder && holder !== key) {
      const old = this.#workers.get(holder);
      if (old) {
        this.#removeWorker(old, `replaced by a new worker for ${service}`);
        this.#sendRaw(old.id, protocol.encodeBrokerToWorker({ command: 'bye' }));
      }
    }
    const entry: WorkerEntry = this.#workers.get(key) ?? {
      id,
      key,
      service,
      expiresAt: 0,
      pending: new Set(),
    };
    entry.expiresAt = this.#now() + this.#heartbeatMs * this.#liveness;
    const isNew = !this.#workers.has(key);
    this.#workers.set(key, entry);
    this.#services.set(service, key);
    if (isNew) this.#log.info({ service, worker: key }, 'broker: worker registered');
    // Acknowledge at once, so the worker knows requests can reach it from now on.
    this.#sendRaw(id, protocol.encodeBrokerToWorker({ command: 'hb' }));
  }

  #removeWorker(worker: WorkerEntry, reason: string): void {
    if (this.#workers.get(worker.key) !== worker) return;
    this.#workers.delete(worker.key);
    if (this.#services.get(worker.service) === worker.key) this.#services.delete(worker.service);
    this.#log.info({ service: worker.service, worker: worker.key, reason }, 'broker: worker removed');
    for (const key of worker.pending) {
      const p = this.#pending.get(key);
      this.#pending.delete(key);
      if (p) {
        this.#toClient(p.clientId, p.requestId, 'err', {
          code: 'SERVICE_UNAVAILABLE',
          message: `${worker.service} went away before answering (${reason})`,
          details: { service: worker.service },
        });
      }
    }
  }

  #tick(): void {
    const now = this.#now();
    for (const worker of [...this.#workers.values()]) {
      if (worker.expiresAt < now) this.#removeWorker(worker, 'missed heartbeats');
      // A worker whose connection is gone (killed) fails this send at once and is removed: a dead worker is
      // noticed within one period, a hung one within `liveness` periods.
      else this.#toWorker(worker, protocol.encodeBrokerToWorker({ command: 'hb' }));
    }
    for (const [key, p] of this.#pending) {
      if (p.deadline < now) {
        this.#pending.delete(key);
        this.#workers.get(p.worker)?.pending.delete(key);
      }
    }
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

  #drop(peer: Uint8Array, reason: string): void {
    this.#dropped++;
    const now = this.#now();
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
