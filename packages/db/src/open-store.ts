// Opens the shared SQLite store the way every station process must: WAL so readers never block the
// writer, synchronous=FULL so a committed result survives a power cut, foreign keys on, a busy timeout so
// several processes can write, and the migrations from drizzle/ applied before anything else runs.
import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { drizzle } from 'drizzle-orm/bun-sqlite';
import { describeError, StoreError, sqliteCode } from './errors.ts';
import type { StoreHandle } from './handle.ts';
import { applyMigrations, DEFAULT_MIGRATIONS_FOLDER } from './migrate.ts';
import { type BoundQueries, bindQueries } from './queries/index.ts';
import * as schema from './schema.ts';

/** Options of openStore; the defaults are what the services use. */
export interface OpenStoreOptions {
  /** How long a statement waits for another process's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Folder of drizzle-kit migrations. Default: the repository's drizzle/. */
  migrationsFolder?: string;
  /** Skip applying migrations (tools that only read an existing store). Default true = apply. */
  migrate?: boolean;
}

/** An open store: the connection, every named query bound to it, and close(). */
export interface Store extends StoreHandle, BoundQueries {
  /** Tags of the migrations this open applied (empty when the store was already up to date). */
  readonly appliedMigrations: readonly string[];
  /** Whether close() has run. */
  readonly closed: boolean;
  /** Checkpoints the WAL into the main file and closes the connection; safe to call twice. */
  close(): void;
  [Symbol.dispose](): void;
}

/** Default busy timeout: long enough to ride out another process's short transaction on a loaded machine. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the store at `path` and brings its schema up to date.
 * @example
 * using store = openStore(join(config.paths.dataDir, 'station.db'));
 * const page = store.listResults({ page: 1, pageSize: 50 });
 */
export function openStore(path: string, opts: OpenStoreOptions = {}): Store {
  const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const inMemory = path === ':memory:' || path === '';
  let sqlite: Database;
  try {
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    sqlite = new Database(path, { create: true, readwrite: true });
  } catch (err) {
    throw new StoreError('OPEN_FAILED', `cannot open the store at ${path}: ${describeError(err)}`, {
      cause: err,
    });
  }
  let appliedMigrations: string[];
  try {
    // The busy timeout first: every later pragma and the migration may have to wait for another process.
    sqlite.run(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    // A store created from now on hands deleted results' space back to the file system (retention).
    // The mode can only be chosen before the file's header is written (WAL writes it), so it is set on
    // every open, first; it takes effect on a fresh file only. Older stores: enableIncrementalVacuum().
    sqlite.run('PRAGMA auto_vacuum = INCREMENTAL');
    if (!inMemory) setWal(sqlite, path, busyTimeoutMs);
    sqlite.run('PRAGMA synchronous = FULL');
    sqlite.run('PRAGMA foreign_keys = ON');
    appliedMigrations =
      opts.migrate === false
        ? []
        : applyMigrations(sqlite, opts.migrationsFolder ?? DEFAULT_MIGRATIONS_FOLDER);
  } catch (err) {
    sqlite.close(false);
    if (err instanceof StoreError) throw err;
    throw new StoreError('OPEN_FAILED', `cannot prepare the store at ${path}: ${describeError(err)}`, {
      cause: err,
    });
  }

  const db = drizzle(sqlite, { schema });
  const handle: StoreHandle = { path, db, sqlite };
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    try {
      // PASSIVE never waits: other processes may be mid-transaction, and they will checkpoint later.
      if (!inMemory) sqlite.run('PRAGMA wal_checkpoint(PASSIVE)');
    } catch {
      // A busy or read-only checkpoint is not a reason to keep the connection open.
    }
    try {
      // The strict close finalises statements and really releases the file, so the last process out
      // removes the -wal and -shm files; the lenient one would leave a zombie connection until GC.
      sqlite.close(true);
    } catch {
      sqlite.close(false);
    }
  };
  const queries = bindQueries(handle, () => closed);
  return {
    ...queries,
    path,
    db,
    sqlite,
    appliedMigrations,
    get closed() {
      return closed;
    },
    close,
    [Symbol.dispose]: close,
  };
}

/**
 * Switches a file store to WAL (a property of the file, kept once set). On a brand-new file several
 * processes race to do this; should the switch still answer SQLITE_BUSY after the busy handler, it is
 * retried until the busy timeout has passed, so a slow start never fails an otherwise healthy open.
 */
function setWal(sqlite: Database, path: string, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      const row = sqlite.query<{ journal_mode: string }, []>('PRAGMA journal_mode = WAL').get();
      if (row?.journal_mode?.toLowerCase() === 'wal') return;
      throw new StoreError('OPEN_FAILED', `the store at ${path} refused WAL mode (${row?.journal_mode})`);
    } catch (err) {
      if (err instanceof StoreError || !isBusy(err) || Date.now() >= deadline) throw err;
      Bun.sleepSync(5);
    }
  }
}

function isBusy(err: unknown): boolean {
  return sqliteCode(err)?.startsWith('SQLITE_BUSY') === true;
}
