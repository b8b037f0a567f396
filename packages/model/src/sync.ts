// The sync agent's answers (`sync.now`, `sync.status`), served as they are by `POST /api/system/sync`
// and pushed to screens as `sync_status`.
import { type Static, Type as T } from '@sinclair/typebox';

/** Answer of `sync.now`: what this run did, and what is left. */
export const SyncResult = T.Object({
  /** Delivered (2xx or 409) during the run. */
  synced: T.Integer(),
  /** Failed with a retryable outcome during the run; they are pending again with a backoff. */
  failed: T.Integer(),
  /** Refused by the Backend during the run (non-retryable 4xx). */
  rejected: T.Integer(),
  /** Not yet delivered after the run: pending (due or backing off) plus in flight. */
  pending: T.Integer(),
});
export type SyncResult = Static<typeof SyncResult>;

/** Answer of `sync.status`. */
export const SyncStatus = T.Object({
  /** `offline` when no `backend.url` is configured: nothing is sent, everything is kept. */
  mode: T.Union([T.Literal('online'), T.Literal('offline')]),
  /**
   * Whether the Backend accepts our results: it answers its health probe AND the latest delivery that gave
   * a verdict was accepted. Always false offline.
   */
  backendConnected: T.Boolean(),
  /** When deliveries started failing (first failure since the last accepted one), ISO-8601; else null. */
  deliveryFailingSince: T.Union([T.String(), T.Null()]),
  /** Why the sync side is degraded, one sentence each (empty when all is well, and offline). */
  problems: T.Array(T.String()),
  pending: T.Integer(),
  inFlight: T.Integer(),
  rejected: T.Integer(),
  /** Seconds since the oldest undelivered result was queued; null when nothing waits. */
  oldestPendingAge: T.Union([T.Number(), T.Null()]),
  /** When a result was last delivered (ISO-8601), from the store, so it survives restarts. */
  lastSuccessAt: T.Union([T.String(), T.Null()]),
  /** The newest error of an undelivered row, else the agent's own (health) error; null when all is well. */
  lastError: T.Union([T.String(), T.Null()]),
});
export type SyncStatus = Static<typeof SyncStatus>;
