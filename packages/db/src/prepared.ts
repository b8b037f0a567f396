// Prepared Drizzle statements for the queries that run once per step or per delivered result. Building a
// query's SQL and compiling it cost ten times more than running it, so each connection compiles a hot
// query once and keeps it.
import { type SQL, sql } from 'drizzle-orm';
import type { StationDb, StoreHandle } from './handle.ts';

const caches = new WeakMap<StationDb, Map<string, unknown>>();

/** The statements `build` prepares on this store's connection, built on first use and kept with it. */
export function prepared<T>(store: StoreHandle, key: string, build: (db: StationDb) => T): T {
  let cache = caches.get(store.db);
  if (!cache) {
    cache = new Map();
    caches.set(store.db, cache);
  }
  let statements = cache.get(key) as T | undefined;
  if (statements === undefined) {
    statements = build(store.db);
    cache.set(key, statements);
  }
  return statements;
}

/**
 * A placeholder bound exactly as given. Used for column values instead of a bare `sql.placeholder`,
 * because Drizzle runs a bare one through the column's encoder, which stores null as the text 'null' in a
 * JSON column and as 0 in a boolean one. Callers encode with `jsonText` and `flag` instead.
 */
export function bind(name: string): SQL {
  return sql`${sql.placeholder(name)}`;
}

/** JSON text of a value for a JSON column, null kept as SQL NULL. */
export function jsonText(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** A boolean as SQLite stores it (1/0), null kept as SQL NULL. */
export function flag(value: boolean | null | undefined): 0 | 1 | null {
  return value === null || value === undefined ? null : value ? 1 : 0;
}

/** `excluded.<column>` of an upsert: the value the conflicting insert proposed. */
export function excluded(column: { name: string }): SQL {
  return sql.raw(`excluded."${column.name}"`);
}
