import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { openStore } from '../src/index.ts';
import { at, execution, fixture, output, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

describe('sync claims across processes', () => {
  test('two agents claiming in a loop never claim the same item, and together drain every item', async () => {
    const path = join(scratch.dir(), 'station.db');
    const seed = openStore(path);
    const total = 160;
    seed.sqlite.transaction(() => {
      for (let i = 0; i < total; i++) {
        seed.createExecution(execution(`exec_${i}`, i));
        seed.finishExecution(`exec_${i}`, { status: 'completed', overallPass: true, completedAt: at(i) });
      }
    })();
    seed.close();

    const startAt = String(Date.now() + 700);
    const agents = ['agent-a', 'agent-b'].map((agent) =>
      scratch.spawn(fixture('claim-fixture.ts', path, agent, startAt)),
    );
    const results = await Promise.all(agents.map(output));
    for (const r of results) expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    const [a, b] = results.map((r) => JSON.parse(r.out) as number[]);
    // Both really raced: each drained part of the queue.
    expect({ a: a!.length > 0, b: b!.length > 0 }).toEqual({ a: true, b: true });
    const both = new Set(a).intersection(new Set(b));
    expect([...both]).toEqual([]);
    expect([...a!, ...b!].sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    const store = scratch.track(openStore(path));
    expect(store.syncStats()).toEqual(expect.objectContaining({ pending: 0, inFlight: 0, done: total }));
    const unsynced = store.sqlite.query('SELECT count(*) AS n FROM executions WHERE synced_at IS NULL').get();
    expect(unsynced).toEqual({ n: 0 });
  });
});

describe('the operators’ runbook with the sqlite3 CLI', () => {
  test('"SELECT * FROM sync_queue ORDER BY created_at DESC LIMIT 10;" shows the newest rows while the store is open', async () => {
    const path = join(scratch.dir(), 'station.db');
    const store = scratch.track(openStore(path));
    for (let i = 0; i < 12; i++) {
      store.createExecution(execution(`exec_${String(i).padStart(2, '0')}`, i * 1000));
      store.finishExecution(`exec_${String(i).padStart(2, '0')}`, {
        status: 'completed',
        overallPass: true,
        completedAt: at(i * 1000 + 500),
      });
    }
    store.claimSyncItems({ agentId: 'agent-a', limit: 1, leaseMs: 30_000, now: at(20_000) });
    store.markSynced(1, at(20_100));
    store.claimSyncItems({ agentId: 'agent-a', limit: 1, leaseMs: 30_000, now: at(21_000) });

    const proc = scratch.spawn([
      'sqlite3',
      path,
      'SELECT * FROM sync_queue ORDER BY created_at DESC LIMIT 10;',
    ]);
    const { code, out, err } = await output(proc);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const row = (i: number) => {
      const t = at(i * 1000 + 500);
      return `${i + 1}|execution|exec_${String(i).padStart(2, '0')}|pending|0|${t}|||${t}|${t}|||`;
    };
    expect(out.trimEnd().split('\n')).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2].map(row));

    // The two oldest rows (beyond LIMIT 10) carry the states an operator looks for.
    const oldest = scratch.spawn([
      'sqlite3',
      path,
      'SELECT id, status, attempts, claimed_by, done_at FROM sync_queue ORDER BY created_at LIMIT 2;',
    ]);
    expect((await output(oldest)).out.trimEnd().split('\n')).toEqual([
      `1|done|1|agent-a|${at(20_100)}`,
      '2|in_flight|1|agent-a|',
    ]);
  });

  test('".backup" while another process keeps writing produces a consistent copy', async () => {
    const dir = scratch.dir();
    const path = join(dir, 'station.db');
    const copy = join(dir, 'copy.db');
    openStore(path).close();
    const writer = scratch.spawn(fixture('writer-fixture.ts', path, '20'));
    const reader = writer.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('ready');

    const live = new Database(path, { readonly: true });
    const liveCount = () =>
      live.query<{ n: number }, []>('SELECT count(*) AS n FROM executions').get()?.n ?? 0;
    const livePages = () =>
      live.query<{ page_count: number }, []>('PRAGMA page_count').get()?.page_count ?? 0;
    // Let the store grow past one backup step (100 pages) so the copy spans several steps.
    const grown = Date.now() + 15_000;
    while (livePages() < 120 && Date.now() < grown) await Bun.sleep(5);

    const backup = scratch.spawn(['sqlite3', path, `.backup '${copy}'`]);
    const { code, err } = await output(backup);
    expect({ code, err }).toEqual({ code: 0, err: '' });

    const copied = new Database(copy, { readonly: true });
    try {
      const pages = copied.query<{ page_count: number }, []>('PRAGMA page_count').get()?.page_count ?? 0;
      expect(pages).toBeGreaterThan(100);
      // The writer was still running: its rows keep growing after the copy was taken.
      const n = copied.query<{ n: number }, []>('SELECT count(*) AS n FROM executions').get()?.n ?? 0;
      const deadline = Date.now() + 10_000;
      while (liveCount() <= n && Date.now() < deadline) await Bun.sleep(5);
      expect(liveCount()).toBeGreaterThan(n);
      expect(writer.exitCode).toBeNull();

      expect(copied.query('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
      expect(n).toBeGreaterThan(0);
      // Every transaction is in the copy whole or not at all: each finished execution has its outbox row,
      // and every step written has its measurement.
      const check = copied
        .query(
          `SELECT
             (SELECT count(*) FROM executions WHERE status = 'completed') AS finished,
             (SELECT count(*) FROM sync_queue) AS queued,
             (SELECT count(*) FROM step_results) AS steps,
             (SELECT count(*) FROM measurements) AS measured,
             (SELECT count(*) FROM executions e WHERE e.status = 'completed'
                AND (SELECT count(*) FROM step_results s WHERE s.execution_id = e.id) <> 20) AS incomplete`,
        )
        .get() as { finished: number; queued: number; steps: number; measured: number; incomplete: number };
      expect(check.finished).toBeGreaterThan(0);
      expect({ queued: check.queued, measured: check.measured, incomplete: check.incomplete }).toEqual({
        queued: check.finished,
        measured: check.steps,
        incomplete: 0,
      });
    } finally {
      reader.releaseLock();
      live.close();
      copied.close();
    }
  });
});
