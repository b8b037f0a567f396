import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MIGRATIONS_FOLDER, openStore, readMigrations, StoreError } from '../src/index.ts';
import { execution, fixture, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

/** Every migration shipped in drizzle/, in order. */
const ALL = readMigrations(DEFAULT_MIGRATIONS_FOLDER).map((m) => m.tag);

const TABLES = [
  '__drizzle_migrations',
  'executions',
  'measurements',
  'recoveries',
  'remote_deliveries',
  'resumable_executions',
  'sequence_pins',
  'spool_records',
  'spool_streams',
  'sqlite_sequence',
  'step_prompts',
  'step_results',
  'sync_queue',
];

function tableNames(store: ReturnType<typeof openStore>): string[] {
  return store.sqlite
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((t) => t.name);
}

function migrationRows(store: ReturnType<typeof openStore>): number {
  return (
    store.sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM __drizzle_migrations').get()?.n ?? -1
  );
}

describe('openStore', () => {
  test('creates missing folders and applies the migrations to a fresh file', () => {
    const path = join(scratch.dir(), 'nested', 'deeper', 'station.db');
    const store = scratch.track(openStore(path));
    expect(existsSync(path)).toBe(true);
    expect(store.appliedMigrations).toEqual(ALL);
    expect(tableNames(store)).toEqual(TABLES);
    expect(migrationRows(store)).toBe(ALL.length);
  });

  test('re-opening an up-to-date store applies nothing and keeps the data', () => {
    const path = join(scratch.dir(), 'station.db');
    const first = openStore(path);
    first.createExecution(execution('exec_keep'));
    first.close();
    const again = scratch.track(openStore(path));
    expect(again.appliedMigrations).toEqual([]);
    expect(migrationRows(again)).toBe(ALL.length);
    expect(again.getExecution('exec_keep')?.id).toBe('exec_keep');
  });

  test('an older store gets only the migrations it lacks, and its data survives them', () => {
    expect(ALL.length).toBeGreaterThan(1);
    // A migrations folder as it was when only the first migration existed.
    const old = scratch.dir();
    mkdirSync(join(old, 'meta'));
    const journal = JSON.parse(
      readFileSync(join(DEFAULT_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'),
    );
    journal.entries = journal.entries.slice(0, 1);
    writeFileSync(join(old, 'meta', '_journal.json'), JSON.stringify(journal));
    copyFileSync(join(DEFAULT_MIGRATIONS_FOLDER, `${ALL[0]}.sql`), join(old, `${ALL[0]}.sql`));

    const path = join(scratch.dir(), 'station.db');
    const first = openStore(path, { migrationsFolder: old });
    expect(first.appliedMigrations).toEqual(ALL.slice(0, 1));
    // Today's queries expect today's columns, so the old store's row is written as the old code wrote it.
    first.sqlite.run(
      `INSERT INTO executions (id, batch_id, sequence_name, sequence_version, package_hash, started_at)
       VALUES ('exec_old', 'batch_1', 'psu_functional', '1.2.0', 'sha256:abc', '2026-11-29T07:00:00.000Z')`,
    );
    first.close();
    const current = scratch.track(openStore(path));
    expect(current.appliedMigrations).toEqual(ALL.slice(1));
    expect(migrationRows(current)).toBe(ALL.length);
    // The row written before the status reason, the operator and the unit existed reads back with none,
    // and is listed, filtered and counted like any other.
    expect(current.getExecution('exec_old')).toEqual(
      expect.objectContaining({
        id: 'exec_old',
        status: 'running',
        statusReason: null,
        operator: null,
        serialNumber: null,
        partNumber: null,
        revision: null,
        lot: null,
        serialSourceStep: null,
      }),
    );
    expect(current.listResults({ batchId: 'batch_1' }).items.map((r) => r.id)).toEqual(['exec_old']);
    expect(current.listResults({ serial: 'SN' }).total).toBe(0);
  });

  test('sets WAL, synchronous=FULL, foreign keys and the busy timeout on every connection', () => {
    const store = scratch.track(openStore(join(scratch.dir(), 'station.db'), { busyTimeoutMs: 1234 }));
    const pragma = (name: string) => store.sqlite.query<Record<string, unknown>, []>(`PRAGMA ${name}`).get();
    expect({
      journal: pragma('journal_mode'),
      synchronous: pragma('synchronous'),
      foreignKeys: pragma('foreign_keys'),
      busy: pragma('busy_timeout'),
    }).toEqual({
      journal: { journal_mode: 'wal' },
      synchronous: { synchronous: 2 },
      foreignKeys: { foreign_keys: 1 },
      busy: { timeout: 1234 },
    });
  });

  test('defaults the busy timeout to 5000 ms', () => {
    const store = scratch.store();
    expect(store.sqlite.query('PRAGMA busy_timeout').get()).toEqual({ timeout: 5000 });
  });

  test('foreign keys are enforced: a step of an unknown execution is refused', () => {
    const store = scratch.store();
    expect(() => store.recordStep('exec_nope', { name: 'a', order: 0, status: 'completed' })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });

  test('a write lock held past the busy timeout fails with BUSY, and the store works once it is released', () => {
    const path = join(scratch.dir(), 'station.db');
    const store = scratch.track(openStore(path, { busyTimeoutMs: 50 }));
    const other = new Database(path);
    try {
      other.run('BEGIN IMMEDIATE');
      expect(() => store.createExecution(execution('exec_a'))).toThrow(
        expect.objectContaining({
          name: 'StoreError',
          code: 'BUSY',
          message: expect.stringContaining('createExecution'),
        }),
      );
      expect(() => store.finishExecution('exec_a', { status: 'completed', overallPass: true })).toThrow(
        expect.objectContaining({ code: 'BUSY' }),
      );
      other.run('ROLLBACK');
      expect(store.createExecution(execution('exec_a')).id).toBe('exec_a');
    } finally {
      other.close();
    }
  });

  test(':memory: works with the real migrations', () => {
    const store = scratch.track(openStore(':memory:'));
    expect(store.appliedMigrations).toEqual(ALL);
    expect(tableNames(store)).toEqual(TABLES);
    expect(store.sqlite.query('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 });
  });

  test('close() checkpoints the WAL, is idempotent, and later queries fail with CLOSED', () => {
    const path = join(scratch.dir(), 'station.db');
    const store = openStore(path);
    store.createExecution(execution('exec_1'));
    store.close();
    store.close();
    expect(store.closed).toBe(true);
    // The last connection's close folds the WAL into the main file and removes it.
    expect(existsSync(`${path}-wal`)).toBe(false);
    let caught: unknown;
    try {
      store.listResults();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).code).toBe('CLOSED');
  });

  test('a failing migration applies nothing at all and names the migration', () => {
    const folder = scratch.dir();
    mkdirSync(join(folder, 'meta'));
    const when = Date.UTC(2026, 0, 1);
    const journal = {
      version: '7',
      dialect: 'sqlite',
      entries: [
        { idx: 0, version: '6', when, tag: '0000_good', breakpoints: true },
        { idx: 1, version: '6', when: when + 1, tag: '0001_bad', breakpoints: true },
      ],
    };
    writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
    writeFileSync(join(folder, '0000_good.sql'), 'CREATE TABLE a (x integer);');
    writeFileSync(
      join(folder, '0001_bad.sql'),
      'CREATE TABLE b (x integer);\n--> statement-breakpoint\nINSERT INTO missing VALUES (1);',
    );
    const path = join(scratch.dir(), 'station.db');
    expect(() => openStore(path, { migrationsFolder: folder })).toThrow(
      expect.objectContaining({ code: 'MIGRATION_FAILED', message: expect.stringContaining('0001_bad') }),
    );
    const store = scratch.track(openStore(path, { migrate: false }));
    expect(tableNames(store)).toEqual([]);
  });

  test('a migration folder without a journal fails with MIGRATION_FAILED naming the folder', () => {
    const folder = scratch.dir();
    expect(() => openStore(':memory:', { migrationsFolder: folder })).toThrow(
      expect.objectContaining({ code: 'MIGRATION_FAILED', message: expect.stringContaining(folder) }),
    );
  });

  test('a path that cannot be created fails with OPEN_FAILED', () => {
    const dir = scratch.dir();
    const blocker = join(dir, 'file');
    Bun.write(blocker, 'not a folder');
    expect(() => openStore(join(blocker, 'station.db'))).toThrow(
      expect.objectContaining({ code: 'OPEN_FAILED' }),
    );
  });

  test('several processes opening the same fresh file at once all succeed and migrate it once', async () => {
    const path = join(scratch.dir(), 'station.db');
    const startAt = String(Date.now() + 700);
    // From a folder outside the repository: the migrations are found from the package, not the cwd.
    const cwdElsewhere = scratch.dir();
    const procs = Array.from({ length: 4 }, () =>
      Bun.spawn(fixture('open-fixture.ts', path, startAt), {
        cwd: cwdElsewhere,
        stdout: 'pipe',
        stderr: 'pipe',
      }),
    );
    try {
      const results = await Promise.all(
        procs.map(async (p) => ({
          code: await p.exited,
          out: await new Response(p.stdout).text(),
          err: await new Response(p.stderr).text(),
        })),
      );
      for (const r of results) expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
      const reports = results.map((r) => JSON.parse(r.out) as { applied: string[]; tables: string[] });
      expect(reports.flatMap((r) => r.applied)).toEqual(ALL);
      for (const r of reports) expect(r.tables).toEqual(TABLES);
    } finally {
      for (const p of procs) p.kill();
    }
    const store = scratch.track(openStore(path));
    expect(migrationRows(store)).toBe(ALL.length);
    expect(store.runningExecutions('race').length).toBe(4);
  });
});
