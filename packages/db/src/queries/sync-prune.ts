// Forgetting delivered outbox rows: once an execution is at the Backend, `executions.synced_at` records
// it, and its `done` row only slows the queue's status figures as years of them pile up.
import type { StoreHandle } from '../handle.ts';
import { type TimeInput, toIso } from '../time.ts';

/** Default rows deleted per call, so one call never holds the write lock for long. */
export const PRUNE_BATCH = 5000;

/**
 * Deletes up to `limit` `done` rows of `sync_queue` delivered before `olderThan` (oldest first) and returns
 * how many went. Pending, in-flight and rejected rows, and the executions themselves, are never touched.
 */
export function pruneSynced(store: StoreHandle, olderThan: TimeInput, limit = PRUNE_BATCH): number {
  const cutoff = toIso(olderThan, 'olderThan');
  const result = store.sqlite
    .query(
      `DELETE FROM sync_queue WHERE id IN (
         SELECT id FROM sync_queue WHERE status = 'done' AND done_at < ? ORDER BY done_at LIMIT ?)`,
    )
    .run(cutoff, Math.max(0, Math.floor(limit)));
  return result.changes;
}
