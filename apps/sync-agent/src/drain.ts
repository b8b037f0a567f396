// One drain cycle of the outbox: claim due rows oldest-first in batches, send each with bounded
// concurrency, record each outcome on its row. Exactly-once rests on three things here: a row is only
// sent while this agent holds its lease (claims make a second agent skip it), the execution id travels as
// the Idempotency-Key (a re-send after a crash is recognised by the Backend), and a row is marked done only
// after the Backend confirmed it.
import type { SyncQueueRow } from '@station/db';
import { type Logger, redactText } from '@station/log';
import type { BackoffPolicy } from './backoff.ts';
import { classify, type Outcome } from './classify.ts';
import { type BackendEndpoint, postResult } from './client.ts';
import { describe } from './errors.ts';
import type { SyncMetrics } from './metrics.ts';
import type { Pacer } from './pacer.ts';
import { forEachPaced } from './pool.ts';
import type { Clock, SyncStore } from './types.ts';

/** What a drainer needs; everything the outside world provides comes in here. */
export interface DrainDeps {
  store: SyncStore;
  endpoint: BackendEndpoint;
  policy: BackoffPolicy;
  agentId: string;
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** Rows claimed per transaction. */
  batchSize: number;
  /** Requests in flight at once, at most (the pacer's window may allow fewer). */
  concurrency: number;
  /** The agent's congestion window over the Backend (pause, probe, ramp up). */
  pacer: Pacer;
  /** Told after each delivery whether the Backend took our result (see `Verdict`). */
  onVerdict?: (verdict: Verdict) => void;
  /** Counts each delivery and failure for /metrics. */
  metrics?: Pick<SyncMetrics, 'delivered' | 'failed'>;
  /** Claim lease; must outlast a whole batch (see leaseFor). */
  leaseMs: number;
  /** `station.id`, added to each posted result as `stationId` so the Backend knows where it came from. */
  stationId?: string;
}

/**
 * What one delivery says about "the Backend accepts our results": yes on 2xx/409; no on 408/429/5xx, a
 * timeout, a network error, or a 401/403 (our key is refused, so nothing will be accepted). Other
 * rejections (a 422 for one bad result) say nothing about the Backend and give no verdict.
 */
export interface Verdict {
  accepted: boolean;
  at: number;
  /** Why not, one line (as in `last_error`). */
  error?: string;
}

/** Statuses that refuse the station, not one result. */
const REFUSES_STATION = new Set([401, 403]);

/** Signals from the agent to a running cycle. */
export interface CycleControl {
  /** True once shutdown began: claim nothing more, send nothing more. */
  stopping(): boolean;
  /** Aborts requests in flight (shutdown deadline passed). */
  signal: AbortSignal;
}

/** What one cycle did. */
export interface CycleReport {
  claimed: number;
  synced: number;
  failed: number;
  rejected: number;
  /** Claimed rows given back unsent (shutdown, or a lease too short to send safely). */
  released: number;
  /** A delivery could not reach the Backend at all (connection refused, reset, DNS). */
  unreachable: boolean;
  /** The Backend answered at least once (any status). */
  answered: boolean;
  /** Latest Retry-After seen, in ms from now: the agent pauses all sending that long. */
  retryAfterMs?: number;
  /** The last failure of the cycle, one line. */
  lastError?: string;
}

/** A batch holds at most this many pacer windows of rows (at a window of 1: a probe and three more). */
export const CLAIM_WAVES = 4;

/** Time a request needs beyond its own timeout before we stop trusting a lease (clock drift, GC, disk). */
export const LEASE_MARGIN_MS = 2_000;

/**
 * A lease long enough for a whole batch even if every request runs into the timeout: the batch is sent
 * in ceil(batch / concurrency) waves, plus one wave and a margin of slack. A batch is claimed no larger
 * than CLAIM_WAVES windows of the pacer, so it never needs more waves than at full concurrency.
 */
export function leaseFor(timeoutMs: number, batchSize: number, concurrency: number): number {
  const waves = Math.ceil(batchSize / Math.max(1, concurrency)) + 1;
  return waves * (timeoutMs + LEASE_MARGIN_MS);
}

/** Creates an empty report. */
export function emptyReport(): CycleReport {
  return { claimed: 0, synced: 0, failed: 0, rejected: 0, released: 0, unreachable: false, answered: false };
}

/**
 * Runs one cycle: batches until nothing is due, the Backend stops answering, it asks us to wait, or
 * shutdown begins. Never throws for delivery problems; a store failure ends the cycle and is reported.
 */
export async function drainCycle(deps: DrainDeps, control: CycleControl): Promise<CycleReport> {
  const report = emptyReport();
  while (!control.stopping() && deps.pacer.open(deps.clock.now())) {
    let batch: SyncQueueRow[];
    // Claim no more than the pacer lets us send soon: rows claimed but held back would only wait on a lease.
    const limit = Math.min(deps.batchSize, deps.pacer.window * CLAIM_WAVES);
    try {
      batch = deps.store.claimSyncItems({
        agentId: deps.agentId,
        limit,
        leaseMs: deps.leaseMs,
        now: deps.clock.now(),
      });
    } catch (err) {
      report.lastError = `store: cannot claim: ${describe(err)}`;
      deps.logger.error({ err: describe(err) }, 'sync: claiming from sync_queue failed');
      break;
    }
    if (batch.length === 0) break;
    report.claimed += batch.length;
    const failedBefore = report.failed;
    let released = 0;
    const held = await forEachPaced(
      batch,
      deps.pacer,
      () => deps.clock.now(),
      async (row) => {
        if (!(await sendRow(deps, control, row, report))) released += 1;
      },
    );
    if (held.length > 0) report.released += returnHeld(deps, held);
    if (released > 0) report.released += releaseUnsent(deps);
    // After a 429, a 5xx or an unreachable Backend the pacer is closed: the rest of the backlog waits for
    // the pause to end and then goes out behind a single probe, instead of being hammered through.
    if (!deps.pacer.open(deps.clock.now())) break;
    if (report.failed - failedBefore === batch.length) break;
    if (batch.length < limit) break;
  }
  return report;
}

/** Sends one claimed row and records its outcome; false when it was not sent (left to be released). */
async function sendRow(
  deps: DrainDeps,
  control: CycleControl,
  row: SyncQueueRow,
  report: CycleReport,
): Promise<boolean> {
  if (control.stopping()) return false;
  // Another agent may take the row over once the lease ends; never be mid-send when that happens.
  const leaseLeft = (row.leaseUntil ? Date.parse(row.leaseUntil) : 0) - deps.clock.now();
  if (leaseLeft < deps.endpoint.timeoutMs + LEASE_MARGIN_MS) {
    deps.logger.warn(
      { entityId: row.entityId, leaseLeft },
      'sync: lease too short to send safely; releasing',
    );
    return false;
  }
  try {
    const result = deps.store.getResult(row.entityId);
    if (!result) {
      const error = `execution ${row.entityId} is not in the store`;
      deps.store.markRejected(row.id, { error, status: null, agentId: deps.agentId, now: deps.clock.now() });
      report.rejected += 1;
      report.lastError = error;
      deps.metrics?.failed('missing');
      return true;
    }
    const payload = deps.stationId === undefined ? result : { ...result, stationId: deps.stationId };
    const epoch = deps.pacer.epoch;
    const sentAt = performance.now();
    const delivery = await postResult(deps.endpoint, row.entityId, JSON.stringify(payload), control.signal);
    const seconds = (performance.now() - sentAt) / 1000;
    const now = deps.clock.now();
    const outcome = classify(delivery, Math.max(1, row.attempts), deps.policy, now, deps.random);
    deps.metrics?.delivered({ delivery, outcome, seconds, queuedAt: row.createdAt, now });
    pace(deps.pacer, outcome, epoch, now);
    judge(deps, outcome, now);
    return record(deps, row, outcome, now, report);
  } catch (err) {
    // A store write failed (e.g. busy past the timeout): the row stays claimed and comes back after its
    // lease, so the worst case is one more delivery of the same key, which the Backend absorbs.
    report.failed += 1;
    report.lastError = `store: ${describe(err)}`;
    deps.metrics?.failed('store');
    deps.logger.error({ entityId: row.entityId, err: describe(err) }, 'sync: recording an outcome failed');
    return true;
  }
}

/** Tells the pacer what a delivery said about the Backend: accepted or judged it, or "not now". */
function pace(pacer: Pacer, outcome: Outcome, epoch: number, now: number): void {
  if (outcome.kind === 'synced' || outcome.kind === 'rejected') pacer.succeeded(epoch);
  else if (outcome.kind === 'retry') pacer.failed(now, outcome);
}

function judge(deps: DrainDeps, outcome: Outcome, at: number): void {
  if (!deps.onVerdict) return;
  if (outcome.kind === 'synced') deps.onVerdict({ accepted: true, at });
  else if (outcome.kind === 'retry')
    deps.onVerdict({ accepted: false, at, error: redactText(outcome.error) });
  else if (outcome.kind === 'rejected' && REFUSES_STATION.has(outcome.status)) {
    deps.onVerdict({ accepted: false, at, error: redactText(outcome.error) });
  }
}

function record(
  deps: DrainDeps,
  row: SyncQueueRow,
  outcome: Outcome,
  now: number,
  report: CycleReport,
): boolean {
  const log = deps.logger;
  const agentId = deps.agentId;
  switch (outcome.kind) {
    case 'aborted':
      return false;
    case 'synced':
      report.answered = true;
      deps.store.markSynced(row.id, now);
      report.synced += 1;
      log.debug(
        { entityId: row.entityId, status: outcome.status, attempts: row.attempts },
        'sync: delivered',
      );
      return true;
    case 'retry': {
      if (outcome.unreachable) report.unreachable = true;
      else report.answered = true;
      if (outcome.retryAfterMs !== undefined) report.retryAfterMs = outcome.retryAfterMs;
      const kept = deps.store.markRetry(row.id, {
        // last_error is read by the runbook and served by the API: scrubbed at the write, whatever made it.
        error: redactText(outcome.error),
        status: outcome.status,
        nextAttemptAt: now + outcome.delayMs,
        agentId,
        now,
      });
      report.failed += 1;
      report.lastError = outcome.error;
      log.warn(
        {
          entityId: row.entityId,
          attempts: row.attempts,
          delayMs: outcome.delayMs,
          error: outcome.error,
          kept,
        },
        'sync: delivery failed; will retry',
      );
      return true;
    }
    case 'rejected': {
      report.answered = true;
      deps.store.markRejected(row.id, {
        error: redactText(outcome.error),
        status: outcome.status,
        agentId,
        now,
      });
      report.rejected += 1;
      report.lastError = outcome.error;
      log.error(
        { entityId: row.entityId, status: outcome.status, error: outcome.error },
        'sync: Backend rejected the result; kept as rejected',
      );
      return true;
    }
  }
}

/** Rows the pacer held back were never sent: back to pending without counting the claim as an attempt. */
function returnHeld(deps: DrainDeps, rows: SyncQueueRow[]): number {
  try {
    return deps.store.returnUnsent(
      deps.agentId,
      rows.map((r) => r.id),
      deps.clock.now(),
    );
  } catch (err) {
    deps.logger.error({ err: describe(err) }, 'sync: returning held rows failed; their leases will expire');
    return 0;
  }
}

function releaseUnsent(deps: DrainDeps): number {
  try {
    // Only rows still in flight under our id are touched: everything sent this batch is already recorded.
    return deps.store.releaseClaims(deps.agentId, deps.clock.now());
  } catch (err) {
    deps.logger.error(
      { err: describe(err) },
      'sync: releasing unsent claims failed; their leases will expire',
    );
    return 0;
  }
}
