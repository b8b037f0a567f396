// Retention: synced results older than the keep time go with their steps, measurements and outbox row,
// in small batches; unsynced and recent ones stay; the space goes back to the file system, also for a
// store created before incremental vacuum existed.
import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, openStore, type Store } from '../src/index.ts';
import { at, execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const DAY = 24 * 3600_000;

/** A finished execution with two steps of two measurements each, delivered at `syncedAt` (if given). */
function seed(store: Store, id: string, startedMs: number, syncedAtMs?: number): void {
  store.createExecution(execution(id, startedMs));
  for (const order of [0, 1]) {
    store.recordStep(
      id,
      {
        name: `step_${order}`,
        order,
        status: 'completed',
        pass: true,
        startedAt: at(startedMs),
        completedAt: at(startedMs + 1000),
      },
      [
        { name: 'v', value: 5, unit: 'V', low: 4.5, high: 5.5, pass: true },
        { name: 'i', value: 0.1, unit: 'A', low: 0, high: 1, pass: true },
      ],
    );
  }
  store.finishExecution(id, { status: 'completed', overallPass: true, completedAt: at(startedMs + 2000) });
  if (syncedAtMs !== undefined) {
    const row = store.sqlite
      .query<{ id: number }, [string]>('SELECT id FROM sync_queue WHERE entity_id = ?')
      .get(id);
    store.markSynced(row!.id, at(syncedAtMs));
  }
}

function count(store: Store, table: string): number {
  return (store.sqlite.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('pruneResults', () => {
  test('deletes only synced results past the cutoff, with their steps, measurements and outbox rows', () => {
    const store = scratch.store();
    seed(store, 'old_synced', -100 * DAY, -99 * DAY);
    seed(store, 'old_unsynced', -100 * DAY); // offline for 100 days: kept
    seed(store, 'recent_synced', -10 * DAY, -10 * DAY);
    store.createExecution(execution('old_running', -100 * DAY)); // never finished: kept
    const keptBefore = ['old_unsynced', 'recent_synced', 'old_running'].map((id) => store.getResult(id));

    expect(store.pruneResults(at(-90 * DAY))).toBe(1);
    expect(store.getResult('old_synced')).toBeUndefined();
    expect(['old_unsynced', 'recent_synced', 'old_running'].map((id) => store.getResult(id))).toEqual(
      keptBefore,
    );
    expect(store.sqlite.query('SELECT entity_id FROM sync_queue ORDER BY entity_id').all()).toEqual([
      { entity_id: 'old_unsynced' },
      { entity_id: 'recent_synced' },
    ]);
    // Steps and measurements of the deleted result went with it (3 kept executions: 2 with 2 steps).
    expect({ steps: count(store, 'step_results'), measurements: count(store, 'measurements') }).toEqual({
      steps: 4,
      measurements: 8,
    });
    expect(store.pruneResults(at(-90 * DAY))).toBe(0);
  });

  test('works in batches of `limit`, oldest first', () => {
    const store = scratch.store();
    for (let i = 0; i < 5; i++) seed(store, `e${i}`, (-200 + i) * DAY, -150 * DAY);
    expect(store.pruneResults(at(-90 * DAY), 2)).toBe(2);
    expect(store.getResult('e0')).toBeUndefined();
    expect(store.getResult('e1')).toBeUndefined();
    expect(store.getResult('e2')?.id).toBe('e2');
    expect(store.pruneResults(at(-90 * DAY), 2)).toBe(2);
    expect(store.pruneResults(at(-90 * DAY), 2)).toBe(1);
    expect(count(store, 'executions')).toBe(0);
  });
});

describe('space back to the file system', () => {
  test('a new store is created with incremental vacuum; pruning then vacuuming shrinks the file', () => {
    const store = scratch.store();
    expect(store.vacuumMode()).toBe('incremental');
    for (let i = 0; i < 200; i++) seed(store, `e${String(i).padStart(3, '0')}`, -120 * DAY + i, -100 * DAY);
    store.sqlite.run('PRAGMA wal_checkpoint(TRUNCATE)');
    const before = statSync(store.path).size;
    while (store.pruneResults(at(-90 * DAY)) > 0) {}
    expect(store.freePages()).toBeGreaterThan(0);
    while (store.incrementalVacuum(64) > 0) {}
    expect(store.freePages()).toBe(0);
    store.sqlite.run('PRAGMA wal_checkpoint(TRUNCATE)');
    const after = statSync(store.path).size;
    expect(after).toBeLessThan(before / 2);
  });

  test('a store made before retention is converted once, keeping every row', () => {
    const dir = scratch.dir();
    const path = join(dir, 'station.db');
    const legacy = new Database(path, { create: true });
    legacy.run('PRAGMA journal_mode = WAL');
    applyMigrations(legacy);
    legacy.close();
    const store = scratch.track(openStore(path));
    expect(store.vacuumMode()).toBe('none');
    seed(store, 'kept', -1 * DAY, -1 * DAY);
    const row = store.getResult('kept');
    expect(store.incrementalVacuum()).toBe(0); // nothing it can do before the conversion

    expect(store.enableIncrementalVacuum()).toBe(true);
    expect(store.vacuumMode()).toBe('incremental');
    expect(store.getResult('kept')).toEqual(row);
    expect(store.enableIncrementalVacuum()).toBe(false);
  });
});
