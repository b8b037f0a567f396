// Retention as the sync agent runs it, on a real store file: synced results past keep_results_days go in
// small transactions while another connection keeps recording steps; unsynced ones stay; an old store
// is converted to incremental vacuum once, and only while no sequence runs.
import { Database } from 'bun:sqlite';
import { afterEach, expect, test } from 'bun:test';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, openStore, writeTransaction } from '@station/db';
import { ManualClock } from '@station/time';
import { Retention } from '../src/retention.ts';
import { quietLogger, seedExecutions, type TempStore, tempStore } from './support.ts';

const DAY = 24 * 3600_000;
let tmp: TempStore;
afterEach(() => tmp?.dispose());

/** Marks every finished execution as delivered at `at` (what the agent's markSynced does, in bulk). */
function markAllSynced(db: Database, at: number): void {
  const iso = new Date(at).toISOString();
  db.run(`UPDATE executions SET synced_at = ? WHERE status <> 'running'`, [iso]);
  db.run(`UPDATE sync_queue SET status = 'done', done_at = ?`, [iso]);
}

test('deletes synced results past the keep time in short transactions while a runner keeps writing', async () => {
  tmp = tempStore();
  const clock = new ManualClock();
  const old = clock.now() - 100 * DAY;
  writeTransaction(tmp.store, () => seedExecutions(tmp.store, 1500, { start: old, steps: 5 }));
  markAllSynced(tmp.store.sqlite, old);
  const [unsynced] = seedExecutions(tmp.store, 1, { start: old + 5000 });
  const recent = seedExecutions(tmp.store, 3, { start: clock.now() - DAY });
  const sizeBefore = statSync(tmp.path).size;

  // A runner on its own connection records a step every few ms for as long as retention runs.
  const runner = tmp.open();
  const [live] = seedExecutions(runner, 1, { start: clock.now(), steps: 0 });
  runner.sqlite.run(`UPDATE executions SET status = 'running' WHERE id = ?`, [live!]);
  let order = 0;
  let slowest = 0;
  const errors: string[] = [];
  let done = false;
  const writing = (async () => {
    while (!done) {
      const t0 = performance.now();
      try {
        runner.recordStep(live!, { name: `s${order}`, order: order++, status: 'completed', pass: true }, []);
      } catch (err) {
        errors.push(String(err));
      }
      slowest = Math.max(slowest, performance.now() - t0);
      await Bun.sleep(2);
    }
  })();

  const retention = new Retention({
    store: tmp.store,
    keepResultsMs: 90 * DAY,
    logger: quietLogger,
    clock,
    batch: 100,
  });
  const report = await retention.run();
  done = true;
  await writing;

  expect(report).toMatchObject({ deleted: 1500, converted: false });
  expect(report.pagesFreed).toBeGreaterThan(0);
  expect(errors).toEqual([]);
  // Each delete is a short transaction: the runner never waited anywhere near the 5 s busy timeout.
  expect(slowest).toBeLessThan(2000);
  expect(order).toBeGreaterThan(10);
  const left = tmp.store.sqlite.query('SELECT id FROM executions ORDER BY id').all() as { id: string }[];
  expect(left.map((r) => r.id).sort()).toEqual([unsynced!, ...recent, live!].sort());
  tmp.store.sqlite.run('PRAGMA wal_checkpoint(TRUNCATE)');
  expect(statSync(tmp.path).size).toBeLessThan(sizeBefore / 2);
});

test('an old store is converted to incremental vacuum once no sequence runs', async () => {
  tmp = tempStore();
  tmp.store.close();
  const path = join(tmp.dir, 'legacy.db');
  const legacy = new Database(path, { create: true });
  legacy.run('PRAGMA journal_mode = WAL');
  applyMigrations(legacy);
  legacy.close();
  const store = openStore(path);
  try {
    const [running] = seedExecutions(store, 1, { steps: 1 });
    store.sqlite.run(`UPDATE executions SET status = 'running' WHERE id = ?`, [running!]);
    const retention = new Retention({ store, keepResultsMs: 90 * DAY, logger: quietLogger });
    expect((await retention.run()).converted).toBe(false); // a sequence runs: its writes must not wait
    expect(store.vacuumMode()).toBe('none');

    store.markInterrupted(running!, 'failed', { reason: 'BATCH_CRASHED', message: 'test' });
    expect((await retention.run()).converted).toBe(true);
    expect(store.vacuumMode()).toBe('incremental');
    expect((await retention.run()).converted).toBe(false);
  } finally {
    store.close();
  }
});
