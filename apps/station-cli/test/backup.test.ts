// `station backup`: a consistent, checked copy of the store taken while another process keeps writing,
// which neither blocks that writer nor overwrites a file.

import { Database } from 'bun:sqlite';
import { expect, test } from 'bun:test';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '@station/db';
import { spawnFixture } from '../../../tests/support/process.ts';
import { station, tempDir } from './station.ts';

const WRITER = join(import.meta.dir, 'writer-fixture.ts');

function finished(lines: string[]): number {
  const last = lines.findLast((l) => l.startsWith('finished '));
  return last ? Number(last.slice('finished '.length)) : 0;
}

test('a backup taken while another connection writes is whole, checked, and the writer goes on', async () => {
  using tmp = tempDir();
  const db = join(tmp.dir, 'station.db');
  await using writer = spawnFixture(WRITER, [db]);
  await writer.waitFor('finished 20');

  const r = await station(['backup', 'copy.db', '--store', db], tmp.dir);
  const after = finished(writer.lines);
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  expect(r.out).toMatch(
    new RegExp(`^backed up ${db} -> ${join(tmp.dir, 'copy.db')} \\(\\d+ bytes, \\d+ executions\\)\\n$`),
  );

  const copy = new Database(join(tmp.dir, 'copy.db'), { readonly: true });
  try {
    expect(copy.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    // One snapshot between two transactions: each execution with its step row, each finished one with its
    // outbox row (finishing and queueing are one transaction), at most the one in flight not finished.
    const count = (sql: string) => (copy.query(sql).get() as { n: number }).n;
    const n = count('SELECT COUNT(*) AS n FROM executions');
    const done = count("SELECT COUNT(*) AS n FROM executions WHERE status = 'completed'");
    expect(n).toBeGreaterThanOrEqual(20);
    expect(n).toBeLessThanOrEqual(after + 1);
    expect(n - done).toBeLessThanOrEqual(1);
    expect(count('SELECT COUNT(*) AS n FROM step_results')).toBe(n);
    expect(count('SELECT COUNT(*) AS n FROM sync_queue')).toBe(done);
  } finally {
    copy.close();
  }
  // The writer was never stopped by the backup.
  await writer.waitFor(`finished ${after + 5}`);
});

test('a backup never overwrites a file, and a missing store is named', async () => {
  using tmp = tempDir();
  const db = join(tmp.dir, 'station.db');
  new Database(db).close();
  writeFileSync(join(tmp.dir, 'taken.db'), 'mine');
  expect(await station(['backup', 'taken.db', '--store', db], tmp.dir)).toEqual({
    code: 1,
    out: '',
    err: `station backup: ${join(tmp.dir, 'taken.db')} already exists; a backup never overwrites a file\n`,
  });
  expect(await station(['backup', 'x.db', '--store', 'nowhere.db'], tmp.dir)).toEqual({
    code: 1,
    out: '',
    err: `station backup: no store at ${join(tmp.dir, 'nowhere.db')}\n`,
  });
});

test('without --store, the store of station.yaml is copied', async () => {
  using tmp = tempDir();
  const config = join(tmp.dir, 'station.yaml');
  mkdirSync(join(tmp.dir, 'sequences'));
  writeFileSync(config, `station:\n  id: s1\npaths:\n  data_dir: data\n  sequences_dir: sequences\n`);
  const store = openStore(join(tmp.dir, 'data/station.db'));
  store.createExecution({ batchId: 'b1', sequenceName: 'w', sequenceVersion: '1', packageHash: 'h' });
  store.close();
  const r = await station(['backup', 'copy.db', '--config', config], tmp.dir);
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  expect(r.out).toEndWith(
    `-> ${join(tmp.dir, 'copy.db')} (${statSync(join(tmp.dir, 'copy.db')).size} bytes, 1 executions)\n`,
  );
});
