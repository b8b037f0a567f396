// The runner and a full disk, on a real tmpfs with the real store and simulated instruments: a start is
// refused with STORAGE_LOW below min_free_mb, a step that cannot be recorded aborts the run safely
// (cleanup step, safe state, STORAGE_FULL) and the execution is closed as soon as space returns.
import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BusError } from '@station/bus';
import type { BatchConfig } from '@station/config';
import { openStore, type Store } from '@station/db';
import { createLogger } from '@station/log';
import type { StationEvent } from '@station/model';
import { StorageGuard } from '@station/service/storage';
import { until } from '../../../tests/support/process.ts';
import { mountTmpfs, type Tmpfs } from '../../../tests/support/tmpfs.ts';
import { BatchRunner } from '../src/runner.ts';

setDefaultTimeout(30_000);

const MB = 1024 * 1024;
const log = createLogger({ service: 'runner-test', level: 'silent', stdout: false });
const batch: BatchConfig = {
  id: 'b1',
  name: 'b1',
  sequence_package: 'runner_test',
  hardware: { psu: { driver: 'sim_psu' }, dmm: { driver: 'sim_dmm' } },
  auto_start: false,
  parameters: {},
  restart: { policy: 'never', max_restarts: 0, window: 0, backoff_base: 0, backoff_cap: 0 },
  limits: {},
  env: {},
};

let fs: Tmpfs | undefined;
let store: Store | undefined;
let runner: BatchRunner | undefined;
afterEach(async () => {
  await runner?.shutdown();
  store?.close();
  fs?.cleanup();
  fs = store = runner = undefined;
});

function setUp(guard: (dir: string) => StorageGuard): { events: StationEvent[]; dbPath: string } {
  fs = mountTmpfs(6);
  const storage = guard(fs.dir);
  const sequencesDir = join(fs.dir, 'sequences');
  cpSync(join(import.meta.dir, 'packages/runner_test'), join(sequencesDir, 'runner_test'), {
    recursive: true,
  });
  const dbPath = join(fs.dir, 'data', 'station.db');
  store = openStore(dbPath);
  const events: StationEvent[] = [];
  runner = new BatchRunner({
    batch,
    sequencesDir,
    store,
    log,
    storage,
    closeRetryMs: 100,
    publish: (e) => events.push(e),
  });
  return { events, dbPath };
}

function rows(dbPath: string, sql: string): Record<string, unknown>[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.query(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

describe('a start with too little free space', () => {
  test('is refused with STORAGE_LOW naming free and required space, and stores nothing', async () => {
    let free = 1.5 * MB;
    const guard = new StorageGuard({
      path: '/data',
      minFreeBytes: 2 * MB,
      warnFreeBytes: 4 * MB,
      maxAgeMs: 0,
      statfs: () => ({ freeBytes: free, totalBytes: 12 * MB }),
    });
    const { dbPath } = setUp(() => guard);
    await runner!.init();
    const refused = await runner!.startSequence({}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BusError);
    expect({ ...(refused as BusError) }).toMatchObject({
      code: 'STORAGE_LOW',
      details: { path: '/data', freeBytes: 1.5 * MB, requiredBytes: 2 * MB },
    });
    expect((refused as BusError).message).toBe(
      'only 1.5 MB free on /data, below the 2.0 MB needed to start a sequence (storage.min_free_mb); new starts are refused until space is freed',
    );
    expect(rows(dbPath, 'SELECT id FROM executions')).toEqual([]);

    free = 3 * MB; // space freed: the very next start is accepted
    const { executionId } = await runner!.startSequence({});
    expect(executionId).toMatch(/^exec_/);
  });
});

describe('a step that cannot be recorded', () => {
  test('aborts the run through its cleanup step to the safe state, says STORAGE_FULL, and closes the execution once space returns', async () => {
    const { events, dbPath } = setUp(
      (dir) => new StorageGuard({ path: dir, minFreeBytes: MB, warnFreeBytes: 2 * MB, maxAgeMs: 0 }),
    );
    await runner!.init();
    const { executionId } = await runner!.startSequence({ wait_ms: 300 });
    await until(() => events.some((e) => e.type === 'step_start' && e.data.step === 'wait'), 'the wait step');
    // The WAL emptied into the main file, then the disk filled: the next step's write has nowhere to go.
    store!.sqlite.run('PRAGMA wal_checkpoint(TRUNCATE)');
    const filler = fs!.fill(0);

    await until(() => events.some((e) => e.type === 'sequence_complete'), 'the run to end', 10_000);
    const types = events.map((e) => (e.type === 'step_start' ? `start:${e.data.step}` : e.type));
    // The cleanup step still ran after the failed write, and the run ended as an error, not a verdict.
    expect(types.slice(types.indexOf('start:wait'))).toContain('start:power_off');
    const error = events.find((e) => e.type === 'error' && e.data.code === 'STORAGE_FULL');
    expect(error?.data).toMatchObject({ code: 'STORAGE_FULL', step: 'wait' });
    const complete = events.find((e) => e.type === 'sequence_complete');
    expect(complete?.data).toMatchObject({
      executionId,
      overallPass: false,
      status: 'failed',
      error: { code: 'STORAGE_FULL' },
    });
    const card = events.filter((e) => e.type === 'sequence_status').at(-1);
    expect(card?.data).toMatchObject({
      sequenceRunning: false,
      lastResult: { executionId, status: 'failed', overallPass: false, errorCode: 'STORAGE_FULL' },
    });
    expect(runner!.status().state).toBe('ready'); // not SEQUENCE_RUNNING forever
    const psu = await runner!.manual('psu', 'get_state');
    expect(psu.result).toMatchObject({ output: false, mode: 'off' });

    // While the disk is full: the execution waits to be closed, and starts are refused, not half-recorded.
    expect(runner!.unclosed).toEqual([executionId]);
    const refused = await runner!.startSequence({}).catch((e: unknown) => e);
    expect((refused as BusError).code).toBe('STORAGE_LOW');

    rmSync(filler);
    await until(() => runner!.unclosed.length === 0, 'the execution to be closed', 5000);
    const [row] = rows(
      dbPath,
      `SELECT status, status_reason, overall_pass, error FROM executions WHERE id = '${executionId}'`,
    );
    expect(row).toMatchObject({ status: 'failed', status_reason: 'STORAGE_FULL', overall_pass: 0 });
    expect(String(row?.error)).toStartWith('STORAGE_FULL: results could not be stored');
    // Steps recorded before the disk filled are kept whole; the one whose record failed says why.
    const steps = rows(
      dbPath,
      `SELECT name, status, error FROM step_results WHERE execution_id = '${executionId}' ORDER BY step_order`,
    );
    expect(steps.slice(0, 2)).toEqual([
      { name: 'setup', status: 'completed', error: null },
      { name: 'measure', status: 'completed', error: null },
    ]);
    expect(steps[2]).toMatchObject({ name: 'wait', status: 'failed' });
    expect(String(steps[2]?.error)).toStartWith('STORAGE_FULL: results could not be stored');
    const again = await runner!.startSequence({});
    expect(again.executionId).not.toBe(executionId);
  });
});
