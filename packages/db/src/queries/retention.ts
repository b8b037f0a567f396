// Forgetting results the Backend already holds: executions acknowledged (`synced_at` set) and started
// before a cutoff are deleted with their steps and measurements (ON DELETE CASCADE) and their outbox row,
// a small batch per short transaction, and the freed pages are handed back to the file system with an
// incremental vacuum. A result that is not synced is never touched, however old.
import type { StoreHandle } from '../handle.ts';
import { writeTransaction } from '../handle.ts';
import { type TimeInput, toIso } from '../time.ts';

/** Default executions deleted per transaction: a few thousand rows with their steps, a few ms of lock. */
export const RETENTION_BATCH = 100;

/** Default pages handed back per incremental vacuum call (4 KB pages: 4 MB). */
export const VACUUM_PAGES = 1024;

/**
 * Deletes up to `limit` synced, finished executions started before `olderThan` (oldest first), with their
 * steps, measurements and `sync_queue` rows, in one short transaction. Returns how many executions went.
 */
export function pruneResults(store: StoreHandle, olderThan: TimeInput, limit = RETENTION_BATCH): number {
  const cutoff = toIso(olderThan, 'olderThan');
  const n = Math.max(0, Math.floor(limit));
  return writeTransaction(store, () => {
    const ids = store.sqlite
      .query<{ id: string }, [string, number]>(
        `SELECT id FROM executions
          WHERE started_at < ? AND synced_at IS NOT NULL AND status <> 'running'
          ORDER BY started_at, id LIMIT ?`,
      )
      .all(cutoff, n)
      .map((r) => r.id);
    if (ids.length === 0) return 0;
    const marks = ids.map(() => '?').join(', ');
    store.sqlite
      .query(`DELETE FROM sync_queue WHERE kind = 'execution' AND entity_id IN (${marks})`)
      .run(...ids);
    return store.sqlite.query(`DELETE FROM executions WHERE id IN (${marks})`).run(...ids).changes;
  });
}

/** The store file's vacuum mode: `none` until converted, `incremental` for every store created since. */
export function vacuumMode(store: StoreHandle): 'none' | 'full' | 'incremental' {
  const row = store.sqlite.query<{ auto_vacuum: number }, []>('PRAGMA auto_vacuum').get();
  return row?.auto_vacuum === 2 ? 'incremental' : row?.auto_vacuum === 1 ? 'full' : 'none';
}

/** Pages in the file's free list: space deleted rows left that the file system has not got back yet. */
export function freePages(store: StoreHandle): number {
  return (
    store.sqlite.query<{ freelist_count: number }, []>('PRAGMA freelist_count').get()?.freelist_count ?? 0
  );
}

/**
 * Hands up to `maxPages` free pages back to the file system (the file shrinks); returns how many went.
 * Only an `incremental` store can; on another one this does nothing and returns 0.
 */
export function incrementalVacuum(store: StoreHandle, maxPages = VACUUM_PAGES): number {
  if (vacuumMode(store) !== 'incremental') return 0;
  const before = freePages(store);
  store.sqlite.run(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
  return before - freePages(store);
}

/**
 * Turns a store created before retention existed into an incremental-vacuum one. The mode of an existing
 * file changes only with a full VACUUM, which rewrites the file (it needs free space of about its size)
 * and holds the write lock throughout: call it when no sequence runs. Returns false when already done.
 */
export function enableIncrementalVacuum(store: StoreHandle): boolean {
  if (vacuumMode(store) === 'incremental') return false;
  store.sqlite.run('PRAGMA auto_vacuum = INCREMENTAL');
  store.sqlite.run('VACUUM');
  return true;
}
