// The shapes the sync agent shares with its collaborators: the slice of the store it uses, the clock, and
// the answers of its two bus methods (same fields as the bus contract's SyncResult and SyncStatus).
import type { Store } from '@station/db';
import { type Clock, systemClock } from '@station/time';

/** The store queries the agent needs; an open `Store` from @station/db is one. */
export type SyncStore = Pick<
  Store,
  | 'claimSyncItems'
  | 'getResult'
  | 'markSynced'
  | 'markRetry'
  | 'markRejected'
  | 'releaseClaims'
  | 'returnUnsent'
  | 'requeueRejected'
  | 'syncStats'
  | 'pruneSynced'
>;

/** Wall-clock time in epoch milliseconds; tests hand in one they can move forward. */
export { type Clock, systemClock };

/** Answer of `sync.now`: what this run did, and what is left. */
export interface SyncResult {
  /** Delivered (2xx or 409) during the run. */
  synced: number;
  /** Failed with a retryable outcome during the run; they are pending again with a backoff. */
  failed: number;
  /** Refused by the Backend during the run (non-retryable 4xx). */
  rejected: number;
  /** Not yet delivered after the run: pending (due or backing off) plus in flight. */
  pending: number;
}

/** Answer of `sync.status`. */
export interface SyncStatus {
  /** `offline` when no `backend.url` is configured: nothing is sent, everything is kept. */
  mode: 'online' | 'offline';
  /**
   * Whether the Backend accepts our results: it answers its health probe AND the latest delivery that gave
   * a verdict was accepted. A Backend whose /api/health says 200 while POST /results fails is not
   * connected. Always false offline.
   */
  backendConnected: boolean;
  /** When deliveries started failing (first failure since the last accepted one), ISO-8601; else null. */
  deliveryFailingSince: string | null;
  /** Why the sync side is degraded, one sentence each (empty when all is well, and offline). */
  problems: string[];
  pending: number;
  inFlight: number;
  rejected: number;
  /** Seconds since the oldest undelivered result was queued; null when nothing waits. */
  oldestPendingAge: number | null;
  /** When a result was last delivered (ISO-8601), from the store, so it survives restarts. */
  lastSuccessAt: string | null;
  /** The newest error of an undelivered row, else the agent's own (health) error; null when all is well. */
  lastError: string | null;
}
