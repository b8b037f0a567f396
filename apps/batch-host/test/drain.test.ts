// The host's drain against a real host store (written through the spool) and a real station store: an
// acknowledgement lost on the way back, a station that does not answer, records delivered out of order.
// Every step ends up in the station's store once, and the spool empties.
import { afterEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@station/bus';
import { openStore, type Store, spoolingStore } from '@station/db';
import type { SpoolRecord } from '@station/model';
import { SpoolDrain } from '../src/drain.ts';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'host-drain-'));
  dirs.push(dir);
  const s = openStore(join(dir, 'station.db'));
  stores.push(s);
  return s;
}

/** A run of `n` steps written by a remote runner into `host`. */
function run(host: Store, n: number): string {
  const spool = spoolingStore(host, 'remote_1');
  const names = Array.from({ length: n }, (_, i) => `s${i}`);
  const { id } = spool.createExecution({
    batchId: 'remote_1',
    sequenceName: 'long_run',
    sequenceVersion: '1.0.0',
    packageHash: 'h',
    steps: names,
  });
  for (const [order, name] of names.entries()) {
    spool.markStepRunning(id, order);
    spool.recordStep(id, { name, order, status: 'completed', pass: true, duration: 0.1 }, []);
  }
  spool.finishExecution(id, { status: 'completed', overallPass: true });
  return id;
}

function stepsOf(s: Store, id: string) {
  return s.sqlite
    .query('SELECT step_order, status FROM step_results WHERE execution_id = ? ORDER BY step_order')
    .all(id);
}

test('a lost acknowledgement and a silent station: delivered again, stored once, spool empty', async () => {
  const host = store();
  const station = store();
  const id = run(host, 5);
  let calls = 0;
  const drain = new SpoolDrain({
    store: host,
    batch: 4,
    logger: silentLogger,
    deliver: async (records) => {
      calls++;
      if (calls === 2) throw new Error('TIMEOUT: store did not answer');
      const ack = station.applySpooled('rack-2', records);
      // The first answer is lost on the way back: applied at the station, unknown to the host.
      if (calls === 1) throw new Error('connection to the broker was lost before the reply arrived');
      return ack;
    },
  });
  await expect(drain.deliverOnce()).rejects.toThrow('lost before the reply');
  await expect(drain.deliverOnce()).rejects.toThrow('TIMEOUT');
  while ((await drain.deliverOnce()) > 0) {}
  expect(host.spoolCount()).toBe(0);
  expect(station.getResult(id)).toEqual(host.getResult(id));
  expect(stepsOf(station, id)).toHaveLength(5);
  expect(station.sqlite.query('SELECT count(*) AS n FROM sync_queue').get()).toEqual({ n: 1 });
});

test('records that reach the station out of order are kept until the earlier ones are in', async () => {
  const host = store();
  const station = store();
  const id = run(host, 3);
  let first = true;
  const drain = new SpoolDrain({
    store: host,
    logger: silentLogger,
    // The first delivery loses its second record on the way (the rest overtakes it).
    deliver: async (records: SpoolRecord[]) => {
      if (!first) return station.applySpooled('rack-2', records);
      first = false;
      return station.applySpooled('rack-2', [records[0]!, ...records.slice(2)]);
    },
  });
  expect(await drain.deliverOnce()).toBe(1);
  expect(host.spoolCount()).toBe(host.spoolPending().length);
  while ((await drain.deliverOnce()) > 0) {}
  expect(host.spoolCount()).toBe(0);
  expect(station.getResult(id)).toEqual(host.getResult(id));
});

test('the background loop delivers what the runner writes while it runs, and stops', async () => {
  const host = store();
  const station = store();
  const drain = new SpoolDrain({
    store: host,
    logger: silentLogger,
    idleMs: 5,
    deliver: async (records) => station.applySpooled('rack-2', records),
  });
  drain.start();
  const id = run(host, 10);
  const deadline = Date.now() + 20_000;
  while (host.spoolCount() > 0 && Date.now() < deadline) await Bun.sleep(10);
  await drain.stop();
  expect(host.spoolCount()).toBe(0);
  expect(drain.delivered).toBe(1 + 2 * 10 + 1);
  expect(station.getResult(id)).toEqual(host.getResult(id));
});
