// The broker's worker registry (SSB/1 worker dialogue, docs/protocol.md): which worker serves each service,
// until when a silent one still counts as alive, and which requests each one holds. No sockets and no
// timers: the broker asks it with the current time and turns its answers into frames.

/** A registered worker, keyed by its routing id in hex. */
export interface WorkerEntry {
  readonly id: Uint8Array;
  readonly key: string;
  readonly service: string;
  /** Past this time (ms) without a word from it, the worker is expired. */
  expiresAt: number;
  /** Requests forwarded to this worker and not yet answered, by `clientKey/requestId`. */
  readonly holds: Set<string>;
}

/** A request a worker holds, so its client can be answered if the worker goes away first. */
export interface HeldRequest {
  readonly clientId: Uint8Array;
  readonly requestId: string;
  readonly worker: string;
  readonly deadline: number;
}

/** A worker a registration removed: why, whether to tell it (`bye`), and the requests it held. */
export interface Displaced {
  worker: WorkerEntry;
  reason: string;
  tell: boolean;
  lost: HeldRequest[];
}

/** A routing id as the registry keys it. */
export const hex = (id: Uint8Array): string => Buffer.from(id).toString('hex');

const requestKey = (clientId: Uint8Array, requestId: string) => `${hex(clientId)}/${requestId}`;

/**
 * One worker per service (the newest registration wins), each alive for `windowMs` after it was last heard.
 * @example const reg = new WorkerRegistry(5_000); reg.register(id, hex(id), 'supervisor', now)
 */
export class WorkerRegistry {
  readonly #workers = new Map<string, WorkerEntry>();
  readonly #services = new Map<string, string>();
  readonly #held = new Map<string, HeldRequest>();

  constructor(readonly windowMs: number) {}

  /** The worker with this routing-id key, if registered. */
  get(key: string): WorkerEntry | undefined {
    return this.#workers.get(key);
  }

  /** The live worker serving `service`, if any. */
  serving(service: string): WorkerEntry | undefined {
    const key = this.#services.get(service);
    return key === undefined ? undefined : this.#workers.get(key);
  }

  /** Names of the services with a live worker, sorted. */
  services(): string[] {
    return [...this.#services.keys()].sort();
  }

  /** Requests forwarded and not yet answered, expired or lost. */
  get held(): number {
    return this.#held.size;
  }

  /** Anything from a worker proves it alive for another window. */
  heard(worker: WorkerEntry, now: number): void {
    worker.expiresAt = now + this.windowMs;
  }

  /**
   * Registers the worker `key` for `service` (again: only its window is renewed). A worker that held the
   * service before, or this worker under another service, is removed first and returned in `displaced`.
   */
  register(
    id: Uint8Array,
    key: string,
    service: string,
    now: number,
  ): { worker: WorkerEntry; isNew: boolean; displaced: Displaced[] } {
    const displaced: Displaced[] = [];
    const previous = this.#workers.get(key);
    if (previous && previous.service !== service)
      displaced.push({ worker: previous, reason: `re-registered as ${service}`, tell: false, lost: [] });
    const holder = this.serving(service);
    if (holder && holder.key !== key)
      displaced.push({
        worker: holder,
        reason: `replaced by a new worker for ${service}`,
        tell: true,
        lost: [],
      });
    for (const d of displaced) d.lost = this.remove(d.worker) ?? [];
    const kept = this.#workers.get(key);
    const worker: WorkerEntry = kept ?? { id, key, service, expiresAt: 0, holds: new Set() };
    this.heard(worker, now);
    this.#workers.set(key, worker);
    this.#services.set(service, key);
    return { worker, isNew: kept === undefined, displaced };
  }

  /**
   * Forgets a worker; answers the requests it held (for the broker to fail them to their clients), or
   * undefined when it was not registered (any more).
   */
  remove(worker: WorkerEntry): HeldRequest[] | undefined {
    if (this.#workers.get(worker.key) !== worker) return undefined;
    this.#workers.delete(worker.key);
    if (this.#services.get(worker.service) === worker.key) this.#services.delete(worker.service);
    const lost: HeldRequest[] = [];
    for (const key of worker.holds) {
      const request = this.#held.get(key);
      this.#held.delete(key);
      if (request) lost.push(request);
    }
    worker.holds.clear();
    return lost;
  }

  /** Records that `worker` now holds the client's request, until `deadline`. */
  hold(worker: WorkerEntry, clientId: Uint8Array, requestId: string, deadline: number): void {
    const key = requestKey(clientId, requestId);
    this.#held.set(key, { clientId, requestId, worker: worker.key, deadline });
    worker.holds.add(key);
  }

  /** A reply came back: true when its client still waits for it (it did not pass its deadline). */
  release(worker: WorkerEntry, clientId: Uint8Array, requestId: string): boolean {
    const key = requestKey(clientId, requestId);
    worker.holds.delete(key);
    return this.#held.delete(key);
  }

  /** Workers silent past their window at `now`. */
  expired(now: number): WorkerEntry[] {
    return [...this.#workers.values()].filter((w) => w.expiresAt < now);
  }

  /** Every registered worker. */
  workers(): WorkerEntry[] {
    return [...this.#workers.values()];
  }

  /** Forgets requests past their deadline: their clients gave up, so a late reply goes nowhere. */
  forgetOverdue(now: number): void {
    for (const [key, request] of this.#held) {
      if (request.deadline < now) {
        this.#held.delete(key);
        this.#workers.get(request.worker)?.holds.delete(key);
      }
    }
  }
}
