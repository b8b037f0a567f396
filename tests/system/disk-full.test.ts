// The station on a 12 MB disk, tested in a loop until the disk fills (issue: "years on a small disk").
// What went wrong before, each checked here: starts accepted to the last kilobyte; the logger's ENOSPC
// took processes down (supervisor unreachable); executions left `running`; SEQUENCE_RUNNING forever;
// 503 after space was freed. Needs root to mount the tmpfs (CI has it); without, it fails saying why.
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseExposition, sampleValue, series } from '../support/metrics.ts';
import { type FixtureProcess, freePort, spawnFixture, until } from '../support/process.ts';
import { REPO, type TempStation, tempStation } from '../support/station.ts';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.ts';

setDefaultTimeout(120_000);

const MB = 1024 * 1024;
const BATCHES = ['slot_1', 'slot_2', 'slot_3'];

let st: TempStation;
let disk: Tmpfs | undefined;
let launcher: FixtureProcess;
let base: string;

async function api<T = Record<string, unknown>>(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: (await res.json()) as T };
}

function start(batchId: string, waitMs: number) {
  return api<{ executionId?: string; error?: { code: string; message: string; details?: unknown } }>(
    `/api/batches/${batchId}/sequence/start`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ parameters: { wait_ms: waitMs } }),
    },
  );
}

function rows(sql: string): Record<string, unknown>[] {
  const db = new Database(st.dbPath, { readonly: true });
  try {
    return db.query(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** Starts a run, retrying while the runner's free-space reading (at most 0.5 s old) still says low. */
async function startOk(batchId: string, waitMs: number): Promise<string> {
  const r = await until(
    async () => {
      const res = await start(batchId, waitMs);
      return res.status === 200 ? res : undefined;
    },
    `a start on ${batchId}`,
    5000,
    100,
  );
  return r.body.executionId!;
}

/** Waits until none of the executions is `running` in the store. */
async function ended(ids: string[]): Promise<void> {
  const list = ids.map((id) => `'${id}'`).join(', ');
  await until(
    () =>
      rows(`SELECT count(*) AS n FROM executions WHERE id IN (${list}) AND status = 'running'`)[0]?.n === 0,
    `executions ${list} to end`,
    30_000,
    100,
  );
}

/** Every batch idle-ready: nothing running, as the runners themselves report it. */
async function allIdle(): Promise<boolean> {
  const { body } =
    await api<{ id: string; status: string; currentStep?: string; sequenceRunning?: boolean }[]>(
      '/api/batches',
    );
  return body.every((b) => b.status === 'running' && !b.sequenceRunning);
}

beforeAll(async () => {
  const port = freePort();
  base = `http://127.0.0.1:${port}`;
  st = tempStation({
    packages: [join(REPO, 'apps/batch-runner/test/packages/runner_test')],
    extraYaml: [`server: { port: ${port} }`, 'storage: { min_free_mb: 2, warn_free_mb: 4 }'].join('\n'),
    batchesYaml: BATCHES.map(
      (id) => `  - id: ${id}
    sequence_package: runner_test
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    auto_start: true`,
    ).join('\n'),
  });
  // data_dir (store and logs) on its own 12 MB file system; the config and sockets stay outside it.
  disk = mountTmpfs(12, st.dataDir);
  launcher = st.track(spawnFixture(join(REPO, 'scripts/station-launcher.ts'), ['--config', st.configPath]));
  await launcher.waitFor(/^Station .* ready: UI /, 90_000);
  await until(
    async () => (await api<{ status: string }[]>('/api/batches')).body.every((b) => b.status === 'running'),
    'all three batches running',
    60_000,
    250,
  );
});

afterAll(async () => {
  await launcher?.kill('SIGTERM');
  await until(
    () => launcher.proc.exitCode !== null || launcher.proc.signalCode !== null,
    'launcher exit',
    60_000,
    100,
  ).catch(() => undefined);
  // Unmount before the station folder goes, even when a test failed.
  disk?.cleanup();
  await st.cleanup();
});

describe('a station whose disk fills', () => {
  const fillers: string[] = [];

  test('below storage.warn_free_mb: health degraded with the reason, starts still accepted', async () => {
    fillers.push(disk!.fill(3 * MB));
    await until(
      async () => (await api('/api/system/health')).body.status === 'degraded',
      'degraded',
      10_000,
      200,
    );
    const { body } = await api<{ status: string; reasons: string[]; disk: Record<string, unknown> }>(
      '/api/system/health',
    );
    expect(body.disk).toMatchObject({
      level: 'warn',
      ok: false,
      minFreeBytes: 2 * MB,
      warnFreeBytes: 4 * MB,
    });
    expect(body.reasons.some((r) => r.startsWith('disk almost full:'))).toBe(true);
    const ok = await start('slot_1', 0);
    expect(ok.status).toBe(200);
    await ended([ok.body.executionId!]);
  });

  test('below storage.min_free_mb: a start is refused with 503 STORAGE_LOW naming free and required space', async () => {
    fillers.push(disk!.fill(1.5 * MB));
    const refused = await until(
      async () => {
        const r = await start('slot_2', 0);
        return r.status === 503 ? r : undefined;
      },
      'STORAGE_LOW',
      5000,
      100,
    );
    expect(refused.body.error?.code).toBe('STORAGE_LOW');
    expect(refused.body.error?.message).toMatch(
      /^only \d+\.\d MB free on .*, below the 2\.0 MB needed to start a sequence \(storage\.min_free_mb\); new starts are refused until space is freed$/,
    );
    expect(refused.body.error?.details).toMatchObject({
      requiredBytes: 2 * MB,
      freeBytes: expect.any(Number),
    });
    expect(rows("SELECT count(*) AS n FROM executions WHERE status = 'running'")).toEqual([{ n: 0 }]);
  });

  test('a disk that fills mid-run costs no process and leaves no execution running', async () => {
    // Room for the starts, then runs that keep writing while the disk fills to the last byte.
    for (const f of fillers.splice(0)) rmSync(f);
    const runs: string[] = [];
    for (const id of BATCHES) runs.push(await startOk(id, 3000));
    fillers.push(disk!.fill(0));
    // Logging, events and runs go on against a full disk; each run ends (recorded or not).
    await until(allIdle, 'every run to end on the full disk', 30_000, 200);
    const pidsBefore = (await api<{ id: string; pid?: number }[]>('/api/batches')).body.map((b) => b.pid);

    // The supervisor still answers (the logger no longer throws ENOSPC), and no batch says SEQUENCE_RUNNING.
    const batches = await api<{ id: string; status: string }[]>('/api/batches');
    expect(batches.status).toBe(200);
    for (const id of BATCHES) {
      const r = await start(id, 0);
      expect({ id, status: r.status, code: r.body.error?.code }).toEqual({
        id,
        status: 503,
        code: 'STORAGE_LOW',
      });
    }
    const health = await api<{ status: string; services: Record<string, { reachable: boolean }> }>(
      '/api/system/health',
    );
    expect(health.body.status).toBe('degraded');
    expect(health.body.services).toEqual({
      broker: { reachable: true },
      supervisor: { reachable: true },
      sync: { reachable: true },
    });
    // No service was restarted by the launcher: every process lived through it.
    expect(launcher.lines.filter((l) => l.includes('exited (')).join('\n')).toBe('');

    // Space back: within 5 s every batch accepts a start again, without a restart by hand.
    for (const f of fillers.splice(0)) rmSync(f);
    const freedAt = Date.now();
    const after: string[] = [];
    for (const id of BATCHES) after.push(await startOk(id, 0));
    expect(Date.now() - freedAt).toBeLessThan(5000);
    await ended([...runs, ...after]);
    expect((await api<{ id: string; pid?: number }[]>('/api/batches')).body.map((b) => b.pid)).toEqual(
      pidsBefore,
    );

    // Nothing left running; a run cut short by the full disk is on record as STORAGE_FULL, not lost.
    await until(
      () => rows("SELECT count(*) AS n FROM executions WHERE status = 'running'")[0]?.n === 0,
      'no execution left running',
      5000,
      100,
    );
    const all = rows('SELECT id, status, status_reason FROM executions');
    expect(all.filter((e) => e.status === 'running')).toEqual([]);
    // The runs the disk filled under: each either finished whole or was closed as STORAGE_FULL once it
    // could be written; at least one really hit the full disk (else this test proved nothing).
    const hit = all.filter((e) => runs.includes(String(e.id)));
    const outcomes = hit.map((e) => (e.status_reason ? `${e.status}:${e.status_reason}` : String(e.status)));
    for (const o of outcomes) expect(['completed', 'failed:STORAGE_FULL']).toContain(o);
    expect(hit.filter((e) => e.status_reason === 'STORAGE_FULL').length).toBeGreaterThan(0);
  });

  test('the lines the full disk cost are counted in health and /metrics, and said in station.log', async () => {
    const { body } = await api<{ logs: { droppedLines: number; byService: Record<string, number> } }>(
      '/api/system/health',
    );
    expect(body.logs.droppedLines).toBeGreaterThan(0);
    const metrics = parseExposition(await (await fetch(`${base}/metrics`)).text());
    expect(sampleValue(metrics, 'station_disk_free_bytes')).toBeGreaterThanOrEqual(0);
    expect(series(metrics, 'station_log_lines_dropped').some((s) => s.value > 0)).toBe(true);
    // The runbook's line, on the current file.
    await until(
      () => readFileSync(join(st.dataDir, 'logs', 'station.log'), 'utf8').includes('were dropped'),
      'station.log to report the dropped lines',
      10_000,
      200,
    );
    const tail = Bun.spawnSync(['bash', '-c', `tail -100 ${st.dataDir}/logs/station.log | grep -i error`]);
    expect(tail.exitCode).toBe(0);
  });
});
