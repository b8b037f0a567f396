// The numbers behind `sync.status` and the health endpoint, read in one statement.
import type { StoreHandle } from '../handle.ts';
import { isoToMs, type TimeInput, toIso } from '../time.ts';

/** Outbox counts by state and the times an operator asks about. */
export interface SyncStats {
  /** Waiting rows (due now or backing off). */
  pending: number;
  /** Pending rows whose next attempt time has come. */
  due: number;
  inFlight: number;
  rejected: number;
  done: number;
  /** created_at of the oldest row not yet delivered (pending or in flight), or null. */
  oldestPendingAt: string | null;
  /** now - oldestPendingAt in ms, or null. */
  oldestPendingAgeMs: number | null;
  /** Latest done_at, or null when nothing was ever synced. */
  lastSyncedAt: string | null;
  /** The most recently recorded error of a row not yet delivered, or null. */
  lastError: { message: string; status: number | null; at: string; entityId: string } | null;
}

interface CountsRow {
  pending: number | null;
  due: number | null;
  inFlight: number | null;
  rejected: number | null;
  done: number | null;
  oldestPendingAt: string | null;
  lastSyncedAt: string | null;
}

interface LastErrorRow {
  message: string;
  status: number | null;
  at: string;
  entityId: string;
}

/** Counts and times of the outbox as of `now`. */
export function syncStats(store: StoreHandle, now: TimeInput = new Date()): SyncStats {
  const at = toIso(now, 'now');
  return store.sqlite.transaction(() => {
    const counts = store.sqlite
      .query<CountsRow, [string]>(
        // One indexed sub-query per figure: the done rows grow without bound, and a single pass over the
        // table would make the status endpoint slower every day.
        `SELECT
          (SELECT count(*) FROM sync_queue WHERE status = 'pending') AS pending,
          (SELECT count(*) FROM sync_queue WHERE status = 'pending' AND next_attempt_at <= ?1) AS due,
          (SELECT count(*) FROM sync_queue WHERE status = 'in_flight') AS inFlight,
          (SELECT count(*) FROM sync_queue WHERE status = 'rejected') AS rejected,
          (SELECT count(*) FROM sync_queue WHERE status = 'done') AS done,
          (SELECT min(created_at) FROM sync_queue WHERE status IN ('pending', 'in_flight')) AS oldestPendingAt,
          (SELECT max(done_at) FROM sync_queue WHERE status = 'done') AS lastSyncedAt`,
      )
      .get(at);
    const lastError = store.sqlite
      .query<LastErrorRow, []>(
        `SELECT last_error AS message, last_status AS status, updated_at AS at, entity_id AS entityId
      FROM sync_queue
      WHERE last_error IS NOT NULL AND status IN ('pending', 'in_flight', 'rejected')
      ORDER BY updated_at DESC LIMIT 1`,
      )
      .get();
    const oldest = counts?.oldestPendingAt ?? null;
    return {
      pending: counts?.pending ?? 0,
      due: counts?.due ?? 0,
      inFlight: counts?.inFlight ?? 0,
      rejected: counts?.rejected ?? 0,
      done: counts?.done ?? 0,
      oldestPendingAt: oldest,
      oldestPendingAgeMs: oldest === null ? null : Math.max(0, isoToMs(at) - isoToMs(oldest)),
      lastSyncedAt: counts?.lastSyncedAt ?? null,
      lastError: lastError ?? null,
    };
  })();
}
