// Applies drizzle-kit migrations from drizzle/ at open time, safely when several services open the same
// fresh store at once. drizzle-orm's own migrator reads the applied set before it takes the write lock,
// so two processes can both decide to create the tables; here the decision is made inside BEGIN IMMEDIATE.
import type { Database } from 'bun:sqlite';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError, StoreError } from './errors.ts';

/** The repository's drizzle/ folder, found from this file so it works from any working directory. */
export const DEFAULT_MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/** drizzle-kit's bookkeeping table; same name and layout, so `drizzle-kit migrate` agrees with us. */
const MIGRATIONS_TABLE = '__drizzle_migrations';

/** One migration file as listed in drizzle/meta/_journal.json. */
export interface Migration {
  tag: string;
  /** The journal's `when`: drizzle records it as `created_at` and treats it as the migration's order. */
  folderMillis: number;
  hash: string;
  statements: string[];
}

interface JournalFile {
  entries: { tag: string; when: number }[];
}

/** Reads the journal and the SQL files it names, in journal order. */
export function readMigrations(folder: string): Migration[] {
  let journal: JournalFile;
  try {
    journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as JournalFile;
  } catch (err) {
    throw new StoreError(
      'MIGRATION_FAILED',
      `cannot read the migration journal in ${folder}: ${describeError(err)}`,
      {
        cause: err,
      },
    );
  }
  return journal.entries.map((entry) => {
    const file = join(folder, `${entry.tag}.sql`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new StoreError('MIGRATION_FAILED', `cannot read migration ${file}: ${describeError(err)}`, {
        cause: err,
      });
    }
    return {
      tag: entry.tag,
      folderMillis: entry.when,
      hash: createHash('sha256').update(text).digest('hex'),
      statements: text
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    };
  });
}

/** Newest applied migration's `created_at`, or -1 when none (or no bookkeeping table yet). */
function lastAppliedMillis(sqlite: Database): number {
  const table = sqlite
    .query<{ n: number }, [string]>(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
    )
    .get(MIGRATIONS_TABLE);
  if (!table || table.n === 0) return -1;
  const row = sqlite
    .query<{ last: number | null }, []>(`SELECT max(created_at) AS last FROM "${MIGRATIONS_TABLE}"`)
    .get();
  return row?.last === null || row?.last === undefined ? -1 : Number(row.last);
}

/**
 * Applies every migration newer than the newest one recorded; returns the tags it applied (empty when the
 * store was up to date, which is the common case and takes no write lock).
 */
export function applyMigrations(sqlite: Database, folder: string = DEFAULT_MIGRATIONS_FOLDER): string[] {
  const migrations = readMigrations(folder);
  const newest = migrations.reduce((max, m) => Math.max(max, m.folderMillis), -1);
  if (lastAppliedMillis(sqlite) >= newest) return [];

  const applied: string[] = [];
  const apply = sqlite.transaction(() => {
    sqlite.run(
      `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
    );
    // Re-read under the write lock: another process may have migrated while we waited for it.
    const last = lastAppliedMillis(sqlite);
    for (const m of migrations) {
      if (m.folderMillis <= last) continue;
      try {
        for (const statement of m.statements) sqlite.run(statement);
      } catch (err) {
        throw new StoreError('MIGRATION_FAILED', `migration ${m.tag} failed: ${describeError(err)}`, {
          cause: err,
        });
      }
      sqlite.run(`INSERT INTO "${MIGRATIONS_TABLE}" (hash, created_at) VALUES (?, ?)`, [
        m.hash,
        m.folderMillis,
      ]);
      applied.push(m.tag);
    }
  });
  apply.immediate();
  return applied;
}
