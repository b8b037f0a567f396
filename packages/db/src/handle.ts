// What every named query receives: the open connection in its two forms. Queries take this handle as their
// first argument so a test (or a tool) can call them on any connection, bound or not.
import type { Database } from 'bun:sqlite';
import type { BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite';
import type * as schema from './schema.ts';

/** The Drizzle database of the station schema. */
export type StationDb = BunSQLiteDatabase<typeof schema>;

/** An open store connection as the named queries see it. */
export interface StoreHandle {
  /** File path as given to openStore (`:memory:` for an in-memory store). */
  readonly path: string;
  /** Drizzle over the connection, with the station schema. */
  readonly db: StationDb;
  /** The raw bun:sqlite connection (pragmas, backups, ad-hoc SQL in tools and tests). */
  readonly sqlite: Database;
}

/** The Drizzle transaction object handed to a write transaction's callback. */
export type StationTx = Parameters<Parameters<StationDb['transaction']>[0]>[0];

/**
 * Runs `fn` in a write transaction that takes the write lock at BEGIN. With several processes on one WAL
 * file, a deferred transaction that reads and then writes can fail with SQLITE_BUSY without waiting; an
 * immediate one waits for the busy timeout instead. Named queries called inside join it (as savepoints),
 * so a caller can group many writes into one commit and one fsync.
 * @example
 * writeTransaction(store, () => { for (const r of results) store.createExecution(r); });
 */
export function writeTransaction<T>(store: StoreHandle, fn: (tx: StationTx) => T): T {
  return store.db.transaction(fn, { behavior: 'immediate' });
}
