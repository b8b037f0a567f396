// The sync agent: schedules drain cycles (every sync_interval, at once when the Backend comes back, on
// `sync.now`), runs at most one at a time, keeps the health monitor, answers status, and stops cleanly.
import { holdSecrets, type Logger } from '@station/log';
import { Acceptance } from './acceptance.ts';
import type { BackendEndpoint } from './client.ts';
import {
  type CycleReport,
  type DrainDeps,
  drainCycle,
  emptyReport,
  LEASE_MARGIN_MS,
  leaseFor,
  type Verdict,
} from './drain.ts';
import { describe, SyncError } from './errors.ts';
import { HealthMonitor } from './health.ts';
import type { SyncMetrics } from './metrics.ts';
import { Pacer } from './pacer.ts';
import { type Clock, type SyncResult, type SyncStatus, type SyncStore, systemClock } from './types.ts';

/** The `backend` section of station.yaml as loaded (durations in ms). */
export interface BackendSettings {
  /** Absent = offline mode. */
  url?: string;
  api_key?: string;
  sync_interval: number;
  timeout: number;
  retry_base: number;
  retry_cap: number;
  health_interval: number;
  /** How long stop() may spend finishing deliveries in flight and flushing the queue (ms; default 5 s). */
  shutdown_flush?: number;
}

export interface SyncAgentOptions {
  store: SyncStore;
  backend: BackendSettings;
  logger: Logger;
  /** Written to `claimed_by`; unique per process so a restarted agent never mistakes old claims for its own. */
  agentId?: string;
  clock?: Clock;
  random?: () => number;
  fetch?: typeof fetch;
  /** `station.id`; sent with each result as `stationId`. */
  stationId?: string;
  /** Rows claimed per transaction (default 32). */
  batchSize?: number;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Claim lease; default from leaseFor(timeout, batchSize, concurrency). */
  leaseMs?: number;
  /** Counts deliveries for /metrics (see metrics.ts). */
  metrics?: Pick<SyncMetrics, 'delivered' | 'failed'>;
  /** Called when connectedness changes and after each cycle that did something (for a status event). */
  onStatusChange?: (status: SyncStatus) => void;
  /**
   * How long a delivered row stays in `sync_queue` (default 7 days); `executions.synced_at` keeps the fact
   * for good. Older `done` rows are deleted at most once an hour, before a cycle.
   */
  keepSyncedMs?: number;
}

/** Default of `keepSyncedMs`. */
export const DEFAULT_KEEP_SYNCED_MS = 7 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;

/** Default of stop(): how long finishing in-flight requests and flushing the queue may take together. */
export const DEFAULT_STOP_DEADLINE_MS = 5_000;

/**
 * Drains `sync_queue` to the Backend.
 * @example
 * const agent = new SyncAgent({ store, backend: config.backend, logger });
 * agent.start();
 * await agent.syncNow(); // { synced, failed, rejected, pending }
 */
export class SyncAgent {
  readonly agentId: string;
  readonly mode: 'online' | 'offline';
  #opts: SyncAgentOptions;
  #clock: Clock;
  #deps: DrainDeps | undefined;
  #health: HealthMonitor | undefined;
  #abort = new AbortController();
  #running: Promise<CycleReport> | undefined;
  #pumping = false;
  #wanted = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #resumeTimer: ReturnType<typeof setTimeout> | undefined;
  #agentError: string | null = null;
  // The fact behind backend_connected beyond the probe: deliveries failing since when, and why.
  #acceptance = new Acceptance();
  #stopping = false;
  #started = false;
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(opts: SyncAgentOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.agentId = opts.agentId ?? `sync-agent:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
    const b = opts.backend;
    this.mode = b.url ? 'online' : 'offline';
    const batchSize = opts.batchSize ?? 32;
    const concurrency = opts.concurrency ?? 8;
    if (!(batchSize >= 1 && concurrency >= 1)) {
      throw new SyncError(
        'BAD_OPTIONS',
        `batchSize and concurrency must be >= 1 (${batchSize}, ${concurrency})`,
      );
    }
    if (!b.url) return;
    // runService already holds it; an agent built elsewhere (tools, tests) must scrub its key all the same.
    holdSecrets([b.api_key]);
    const leaseMs = opts.leaseMs ?? leaseFor(b.timeout, batchSize, concurrency);
    if (leaseMs < b.timeout + LEASE_MARGIN_MS) {
      // drain.ts refuses to send a row whose lease could end mid-request; such an agent would send nothing.
      throw new SyncError(
        'BAD_OPTIONS',
        `leaseMs ${leaseMs} must be at least timeout + ${LEASE_MARGIN_MS} ms`,
      );
    }
    const endpoint: BackendEndpoint = {
      url: b.url,
      apiKey: b.api_key,
      timeoutMs: b.timeout,
      fetch: opts.fetch,
    };
    const policy = { baseMs: b.retry_base, capMs: b.retry_cap };
    const random = opts.random ?? Math.random;
    this.#deps = {
      store: opts.store,
      endpoint,
      policy,
      agentId: this.agentId,
      clock: this.#clock,
      random,
      logger: opts.logger,
      batchSize,
      concurrency,
      pacer: new Pacer(concurrency, policy, random),
      onVerdict: (v) => this.#judged(v),
      metrics: opts.metrics,
      leaseMs,
      stationId: opts.stationId,
    };
    this.#health = new HealthMonitor({
      endpoint,
      intervalMs: b.health_interval,
      logger: opts.logger,
      onChange: (connected, detail) => {
        this.#agentError = connected ? null : `Backend unreachable: ${detail}`;
        // SY-003: the queue drains the moment the Backend is back, not at the next scheduled cycle (nor
        // at the end of a backoff pause taken while it was away).
        if (connected) {
          this.#deps?.pacer.resume(this.#clock.now());
          this.#kick();
        }
        this.#notify();
      },
    });
  }

  /** Starts health probes and the schedule. Offline, it only logs that nothing will be sent. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const log = this.#opts.logger;
    if (!this.#deps || !this.#health) {
      log.warn('sync: no backend.url configured; offline mode, results are kept in sync_queue');
      return;
    }
    log.info(
      { agentId: this.agentId, url: this.#deps.endpoint.url, leaseMs: this.#deps.leaseMs },
      'sync: agent started',
    );
    this.#health.start();
    this.#schedule();
  }

  /** Runs a cycle now (after the one under way, if any). `retryRejected` first puts rejected rows back. */
  async syncNow(opts: { retryRejected?: boolean } = {}): Promise<SyncResult> {
    if (this.#stopping) throw new SyncError('STOPPED', 'the sync agent is stopping');
    if (opts.retryRejected) {
      const n = this.#opts.store.requeueRejected({ now: this.#clock.now() });
      this.#opts.logger.info({ requeued: n }, 'sync: rejected results queued again on request');
    }
    const report = this.#deps ? await this.#runCycle() : emptyReport();
    const stats = this.#opts.store.syncStats(this.#clock.now());
    return {
      synced: report.synced,
      failed: report.failed,
      rejected: report.rejected,
      pending: stats.pending + stats.inFlight,
    };
  }

  /** The numbers behind `sync.status` and the gateway's health; this agent is the one author of both. */
  status(): SyncStatus {
    const stats = this.#opts.store.syncStats(this.#clock.now());
    const acceptance = this.#acceptance.report({
      online: this.#health !== undefined,
      reachable: this.#health?.connected,
      unreachableWhy: this.#agentError,
      rejected: stats.rejected,
    });
    return {
      mode: this.mode,
      ...acceptance,
      pending: stats.pending,
      inFlight: stats.inFlight,
      rejected: stats.rejected,
      oldestPendingAge: stats.oldestPendingAgeMs === null ? null : stats.oldestPendingAgeMs / 1000,
      lastSuccessAt: stats.lastSyncedAt,
      lastError: stats.lastError?.message ?? this.#agentError,
    };
  }

  /**
   * Stops the schedule, lets requests in flight finish, then flushes what is still queued (SPEC §6: "flush
   * the sync queue if possible"), all within `deadlineMs` (default `backend.shutdown_flush`). What is
   * still in flight then is aborted, and every row still claimed goes back to `pending`. Safe to call twice.
   */
  async stop(opts: { deadlineMs?: number } = {}): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#resumeTimer) clearTimeout(this.#resumeTimer);
    this.#health?.stop();
    const budget = opts.deadlineMs ?? this.#opts.backend.shutdown_flush ?? DEFAULT_STOP_DEADLINE_MS;
    const deadline = AbortSignal.timeout(Math.max(0, budget));
    const over = new Promise<'late'>((resolve) => {
      if (deadline.aborted) resolve('late');
      deadline.addEventListener('abort', () => resolve('late'), { once: true });
    });
    const running = this.#running;
    if (running) {
      const finished = await Promise.race([running.then(() => 'done' as const), over]);
      if (finished === 'late') {
        this.#opts.logger.warn('sync: stop deadline passed; aborting requests in flight');
        this.#abort.abort();
        await running.catch(() => undefined);
      }
    }
    if (!deadline.aborted) await this.#flush(deadline);
    if (this.#deps) {
      try {
        const released = this.#opts.store.releaseClaims(this.agentId, this.#clock.now());
        if (released > 0) this.#opts.logger.info({ released }, 'sync: released unsent claims');
      } catch (err) {
        this.#opts.logger.error({ err: describe(err) }, 'sync: release on stop failed; leases will expire');
      }
    }
    this.#opts.logger.info('sync: agent stopped');
  }

  /**
   * The shutdown flush: one more cycle that sends what is due until the queue is empty or `deadline`
   * fires (then its requests are aborted). Skipped while the Backend is known to be down or asked us to
   * wait: a stop must not hammer a Backend that already said no.
   */
  async #flush(deadline: AbortSignal): Promise<void> {
    const deps = this.#deps;
    if (!deps) return;
    const log = this.#opts.logger;
    if (!deps.pacer.open(this.#clock.now()) || this.#health?.connected === false) {
      log.info('sync: queue not flushed on stop (Backend down or asked to wait)');
      return;
    }
    const signal = AbortSignal.any([deadline, this.#abort.signal]);
    try {
      const report = await drainCycle(deps, { stopping: () => deadline.aborted, signal });
      if (report.claimed > 0) {
        log.info(
          { synced: report.synced, failed: report.failed, aborted: deadline.aborted },
          'sync: flushed on stop',
        );
      }
    } catch (err) {
      log.error({ err: describe(err) }, 'sync: flush on stop failed');
    }
  }

  /** A delivery's verdict: the first failure after a success starts the clock, a success stops it. */
  #judged(v: Verdict): void {
    if (!this.#acceptance.judge(v)) return;
    const failing = this.#acceptance.failingSince;
    this.#opts.logger.warn(
      { deliveryFailingSince: failing, error: this.#acceptance.failingError },
      failing === null
        ? 'sync: the Backend accepts results again'
        : 'sync: deliveries to the Backend failing',
    );
    this.#notify();
  }

  /** Runs a cycle once the current one (if any) is over. */
  async #runCycle(): Promise<CycleReport> {
    const deps = this.#deps;
    if (!deps) return emptyReport();
    while (this.#running) await this.#running.catch(() => undefined);
    if (this.#stopping || !deps.pacer.open(this.#clock.now())) return emptyReport();
    this.#prune();
    const control = { stopping: () => this.#stopping, signal: this.#abort.signal };
    const run = drainCycle(deps, control).then((report) => this.#absorb(report));
    this.#running = run;
    try {
      return await run;
    } finally {
      this.#running = undefined;
    }
  }

  #absorb(report: CycleReport): CycleReport {
    const pacer = this.#deps?.pacer;
    const pauseMs = pacer ? pacer.pausedUntil - this.#clock.now() : 0;
    if (pauseMs > 0) {
      this.#opts.logger.warn(
        { pauseMs, retryAfterMs: report.retryAfterMs ?? null, lastError: report.lastError ?? null },
        'sync: Backend asked to wait or failed; pausing every delivery, then one probe',
      );
      // The probe goes out when the pause ends, not at the next scheduled cycle.
      if (this.#resumeTimer) clearTimeout(this.#resumeTimer);
      this.#resumeTimer = setTimeout(() => this.#kick(), pauseMs);
    }
    if (report.answered) this.#health?.observe(true, 'answered a delivery');
    else if (report.unreachable) this.#health?.observe(false, report.lastError ?? 'unreachable');
    if (report.claimed > 0) {
      this.#opts.logger.info(
        {
          claimed: report.claimed,
          synced: report.synced,
          failed: report.failed,
          rejected: report.rejected,
          released: report.released,
        },
        'sync: cycle done',
      );
      this.#notify();
    }
    return report;
  }

  /** Asks for an automatic cycle; several asks while one runs collapse into one more cycle. */
  #kick(): void {
    // Before start() (tests, tools) only syncNow runs cycles, even when a delivery flips the health state.
    if (!this.#started) return;
    this.#wanted = true;
    if (this.#pumping) return;
    this.#pumping = true;
    void (async () => {
      try {
        while (this.#wanted && !this.#stopping) {
          this.#wanted = false;
          if (this.#health?.connected !== true) break;
          await this.#runCycle();
        }
      } catch (err) {
        this.#opts.logger.error({ err: describe(err) }, 'sync: cycle failed');
      } finally {
        this.#pumping = false;
      }
    })();
  }

  #schedule(): void {
    if (this.#stopping || !this.#deps) return;
    this.#timer = setTimeout(() => {
      this.#kick();
      this.#schedule();
    }, this.#opts.backend.sync_interval);
  }

  /** Deletes delivered rows past their keep time, at most once per PRUNE_EVERY_MS; never fails a cycle. */
  #prune(): void {
    const now = this.#clock.now();
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    try {
      const pruned = this.#opts.store.pruneSynced(now - (this.#opts.keepSyncedMs ?? DEFAULT_KEEP_SYNCED_MS));
      if (pruned > 0)
        this.#opts.logger.info({ pruned }, 'sync: forgot delivered queue rows past their keep time');
    } catch (err) {
      this.#opts.logger.warn({ err: describe(err) }, 'sync: pruning delivered rows failed; will retry');
    }
  }

  #notify(): void {
    const cb = this.#opts.onStatusChange;
    if (!cb) return;
    try {
      cb(this.status());
    } catch (err) {
      this.#opts.logger.error({ err: describe(err) }, 'sync: status listener failed');
    }
  }
}
