// The whole station as its users run it: the launcher, ten batches, a real Backend that goes away and
// comes back, a runner, the sync agent and the gateway killed along the way; at the end every result is
// stored whole, sent exactly once, the runbook works as written and SIGTERM leaves nothing running.

import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestBackend } from '../backend/server.ts';
import { type FixtureProcess, freePort, spawnFixture, until } from '../support/process.ts';
import { REPO, type TempStation, tempStation } from '../support/station.ts';

setDefaultTimeout(180_000);

const BATCHES = Array.from({ length: 10 }, (_, i) => `slot_${String(i + 1).padStart(2, '0')}`);
const CRASHED = 'slot_01';
const WAIT_MS = 4000;
/** The unit each slot tests: runner_test's manifest wants serials like RT-0001. */
const serialOf = (id: string) => `RT-${String(BATCHES.indexOf(id) + 1).padStart(4, '0')}`;

type Msg = { type: string; batch_id?: string; data: Record<string, unknown> };

let st: TempStation;
let backend: TestBackend;
let launcher: FixtureProcess;
let base: string;
let port: number;
const messages: Msg[] = [];
let ws: WebSocket | undefined;

/** `sh` without blocking this process: for commands that talk to the test Backend, which lives here. */
async function shAsync(cmd: string): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(['bash', '-c', cmd], { cwd: st.dir, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, out: stdout + stderr };
}

function sh(cmd: string): { code: number; out: string; stdout: string } {
  const r = Bun.spawnSync(['bash', '-c', cmd], { cwd: st.dir });
  const stdout = r.stdout.toString();
  return { code: r.exitCode, out: stdout + r.stderr.toString(), stdout };
}

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: (await res.json()) as T };
}

/** This station's processes: its marker and its own folder (another run on this machine shares the marker). */
function stationPids(): number[] {
  return sh('ps -eo pid=,args=')
    .out.split('\n')
    .filter((l) => l.includes('--station test-station') && l.includes(st.dir) && !l.includes('ps -eo'))
    .map((l) => Number.parseInt(l.trim(), 10));
}

function pidOf(pattern: string): number | undefined {
  const line = sh('ps -eo pid=,args=')
    .out.split('\n')
    .find((l) => l.includes(pattern) && l.includes(st.configPath));
  return line ? Number.parseInt(line.trim(), 10) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '(gone)';
  }
}

function openWs(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'subscribe', batch_ids: ['*'] }));
      resolve(socket);
    };
    socket.onerror = () => reject(new Error('websocket failed'));
    socket.onmessage = (e) => messages.push(JSON.parse(String(e.data)) as Msg);
  });
}

beforeAll(async () => {
  backend = await TestBackend.start({ apiKey: 'system-test-key' });
  port = freePort();
  base = `http://127.0.0.1:${port}`;
  st = tempStation({
    packages: [join(REPO, 'apps/batch-runner/test/packages/runner_test')],
    extraYaml: [
      `server: { port: ${port} }`,
      `backend: { url: "${backend.url}", api_key: system-test-key, sync_interval: 1s, timeout: 2s, retry_base: 200ms, retry_cap: 1s, health_interval: 300ms }`,
    ].join('\n'),
    batchesYaml: BATCHES.map(
      (id) => `  - id: ${id}
    sequence_package: runner_test
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    auto_start: true
    restart: { policy: ${id === CRASHED ? 'never' : 'on-failure'} }`,
    ).join('\n'),
  });
  // The entry `npm start` runs, so the runbook sees the launcher as an operator's station shows it.
  launcher = st.track(spawnFixture(join(REPO, 'scripts/station-launcher.ts'), ['--config', st.configPath]));
  await launcher.waitFor(/^Station .* ready: UI /, 90_000);
});

afterAll(async () => {
  ws?.close();
  for (const pid of stationPids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await st.cleanup();
  await backend.stop();
});

describe('the whole station', () => {
  const executions = new Map<string, string>();

  test('auto-starts all ten batches', async () => {
    await until(
      async () => {
        const { body } = await api<{ id: string; status: string }[]>('/api/batches');
        return body.filter((b) => b.status === 'running').length === BATCHES.length;
      },
      'all ten batches running',
      90_000,
      250,
    );
    ws = await openWs();
    await until(
      () => BATCHES.every((id) => messages.some((m) => m.type === 'batch_status' && m.batch_id === id)),
      'a snapshot of every batch',
    );
  });

  test('runs ten sequences at once while the Backend is down; a runner killed mid-run is reported, the other nine finish', async () => {
    await backend.down();
    const started = await Promise.all(
      BATCHES.map((id) =>
        api<{ executionId: string }>(`/api/batches/${id}/sequence/start`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ parameters: { wait_ms: WAIT_MS }, dut: { serialNumber: serialOf(id) } }),
        }).then((r) => [id, r] as const),
      ),
    );
    for (const [id, r] of started) {
      expect(r.status).toBe(200);
      executions.set(id, r.body.executionId);
    }

    // Kill slot_01's runner while its long step runs.
    await until(
      () => messages.some((m) => m.type === 'step_start' && m.batch_id === CRASHED && m.data.step === 'wait'),
      'slot_01 to reach its wait step',
    );
    const { body: crashed } = await api<{ pid: number }>(`/api/batches/${CRASHED}`);
    process.kill(crashed.pid, 'SIGKILL');
    const crashEvent = await until(
      () =>
        messages.find((m) => m.type === 'error' && m.batch_id === CRASHED && m.data.code === 'BATCH_CRASHED'),
      'BATCH_CRASHED',
      10_000,
    );
    expect(String(crashEvent.data.message)).toContain('SIGKILL');
    await until(
      async () => (await api<{ status: string }>(`/api/batches/${CRASHED}`)).body.status === 'error',
      'slot_01 in error',
    );

    // Kill the sync agent too, while results pile up; the launcher restarts it.
    const oldSync = pidOf('apps/sync-agent/src/main.ts')!;
    process.kill(oldSync, 'SIGKILL');

    const others = BATCHES.filter((b) => b !== CRASHED);
    await until(
      () => others.every((id) => messages.some((m) => m.type === 'sequence_complete' && m.batch_id === id)),
      'nine sequences to complete',
      60_000,
      100,
    );
    for (const id of others) {
      const flow = messages
        .filter(
          (m) => m.batch_id === id && ['step_start', 'step_complete', 'sequence_complete'].includes(m.type),
        )
        .map((m) => `${m.type}:${m.data.step ?? ''}`);
      expect(flow).toEqual([
        'step_start:setup',
        'step_complete:setup',
        'step_start:measure',
        'step_complete:measure',
        'step_start:wait',
        'step_complete:wait',
        'step_start:power_off',
        'step_complete:power_off',
        'sequence_complete:',
      ]);
      const done = messages.find((m) => m.type === 'sequence_complete' && m.batch_id === id)!;
      expect(done.data).toMatchObject({
        executionId: executions.get(id),
        overallPass: true,
        status: 'completed',
        verdict: 'PASS',
        dut: { serialNumber: serialOf(id) },
      });
      // Screens learn the unit as the run starts, and the card shows it while it runs.
      const start = messages.find((m) => m.type === 'sequence_start' && m.batch_id === id);
      expect(start?.data).toMatchObject({
        executionId: executions.get(id),
        dut: { serialNumber: serialOf(id) },
      });
      const card = messages.find(
        (m) =>
          m.type === 'batch_status' && m.batch_id === id && m.data.sequenceRunning === true && m.data.dut,
      );
      expect(card?.data.dut).toMatchObject({ serialNumber: serialOf(id), serialSourceStep: null });
    }
    // GET /api/batches keeps each slot's last unit and its verdict after the run, the crashed one's ERROR.
    type Card = {
      id: string;
      dut: unknown;
      lastResult?: { verdict?: string; dut?: { serialNumber: string } };
    };
    const cards = await until(async () => {
      const { body } = await api<Card[]>('/api/batches');
      return body.every((c) => c.lastResult?.verdict) ? body : undefined;
    }, 'every card with a verdict');
    for (const c of cards) {
      expect({
        id: c.id,
        // No unit under test any more: null, or absent on a card whose process is gone.
        dut: c.dut ?? null,
        verdict: c.lastResult?.verdict,
        serial: c.lastResult?.dut?.serialNumber,
      }).toEqual({
        id: c.id,
        dut: null,
        verdict: c.id === CRASHED ? 'ERROR' : 'PASS',
        serial: serialOf(c.id),
      });
    }
    await until(
      () => {
        const pid = pidOf('apps/sync-agent/src/main.ts');
        return pid !== undefined && pid !== oldSync;
      },
      'the sync agent to be restarted',
      20_000,
      100,
    );
  });

  test('when the Backend returns, every result arrives exactly once, the crashed one included', async () => {
    const { body: offline } = await api<{ backend_connected: boolean }>('/api/system/health');
    expect(offline.backend_connected).toBe(false);
    await backend.up();
    await backend.waitFor((b) => b.stats().results === BATCHES.length, 30_000);
    const stats = backend.stats();
    expect(stats.results).toBe(BATCHES.length);
    expect(stats.duplicateResults).toBe(0);
    expect(stats.concurrentDeliveries).toBe(0);
    expect(backend.keys().sort()).toEqual([...executions.values()].sort());
    const crashedResult = backend.get(executions.get(CRASHED)!)?.body as {
      status: string;
      error: string;
      steps: { name: string }[];
    };
    expect(crashedResult.status).toBe('failed');
    // Every result names its unit for the Backend, the crashed one too.
    for (const id of BATCHES) {
      expect(backend.get(executions.get(id)!)?.body).toMatchObject({ serialNumber: serialOf(id) });
    }
    // A unit's history says what happened to it: the crashed slot's unit is an ERROR, not a FAIL.
    const history = await api<{ runs: { id: string; verdict: string }[] }>(`/api/units/${serialOf(CRASHED)}`);
    expect(history.body.runs).toEqual([
      expect.objectContaining({ id: executions.get(CRASHED), verdict: 'ERROR' }),
    ]);
    expect(crashedResult.steps.map((s) => s.name).slice(0, 2)).toEqual(['setup', 'measure']);
    await until(
      async () => (await api<{ backend_connected: boolean }>('/api/system/health')).body.backend_connected,
      'backend_connected',
    );
  });

  test('restarting the crashed batch alone leaves the other nine untouched', async () => {
    const before = await api<{ id: string; pid?: number }[]>('/api/batches');
    const pids = new Map(before.body.map((b) => [b.id, b.pid]));
    const start = await api<{ status: string; pid: number }>(`/api/batches/${CRASHED}/start`, {
      method: 'POST',
    });
    expect(start.status).toBe(200);
    expect(start.body.status).toBe('running');
    const after = await api<{ id: string; status: string; pid?: number }[]>('/api/batches');
    for (const b of after.body) {
      expect(b.status).toBe('running');
      if (b.id !== CRASHED) expect(b.pid).toBe(pids.get(b.id));
    }
  });

  test('a killed gateway is restarted by the launcher and answers again', async () => {
    const old = pidOf('apps/api-gateway/src/main.ts')!;
    process.kill(old, 'SIGKILL');
    await until(
      async () => {
        const pid = pidOf('apps/api-gateway/src/main.ts');
        if (pid === undefined || pid === old) return false;
        return (await fetch(`${base}/api/system/health`).catch(() => undefined))?.ok ?? false;
      },
      'the gateway to be back',
      30_000,
      200,
    );
  });

  test('every finished execution is stored whole', () => {
    const db = new Database(st.dbPath, { readonly: true });
    try {
      const rows = db
        .query('SELECT id, batch_id, status, overall_pass, synced_at FROM executions ORDER BY batch_id')
        .all() as {
        id: string;
        batch_id: string;
        status: string;
        overall_pass: number;
        synced_at: string | null;
      }[];
      expect(rows.map((r) => [r.batch_id, r.status, r.overall_pass])).toEqual(
        BATCHES.map((id) => [id, id === CRASHED ? 'failed' : 'completed', id === CRASHED ? 0 : 1]),
      );
      expect(rows.every((r) => r.synced_at !== null)).toBe(true);
      const steps = db
        .query('SELECT execution_id, COUNT(*) AS n FROM step_results GROUP BY execution_id')
        .all() as {
        execution_id: string;
        n: number;
      }[];
      const count = new Map(steps.map((s) => [s.execution_id, s.n]));
      for (const id of BATCHES.filter((b) => b !== CRASHED)) expect(count.get(executions.get(id)!)).toBe(4);
      expect(count.get(executions.get(CRASHED)!)).toBeGreaterThanOrEqual(2);
    } finally {
      db.close();
    }
  });

  test('the runbook works as written', () => {
    const ps = sh('ps aux | grep station');
    for (const app of ['broker', 'batch-supervisor', 'sync-agent', 'api-gateway'])
      expect(ps.out).toContain(`apps/${app}/src/main.ts`);
    expect(ps.out).toContain('--batch slot_05');

    const start = sh(`curl -s -X POST http://localhost:${port}/api/batches/slot_02/start`);
    expect(JSON.parse(start.out)).toEqual({ error: expect.objectContaining({ code: 'ALREADY_RUNNING' }) });

    const queue = sh(`sqlite3 ${st.dbPath} "SELECT * FROM sync_queue ORDER BY created_at DESC LIMIT 10;"`);
    expect(queue.code).toBe(0);
    expect(queue.out.trim().split('\n')).toHaveLength(10);
    expect(queue.out).toContain('|done|');

    const sync = JSON.parse(sh(`curl -s -X POST http://localhost:${port}/api/system/sync`).out);
    expect(sync).toEqual({ synced: 0, failed: 0, rejected: 0, pending: 0 });

    const health = JSON.parse(sh(`curl -s http://localhost:${port}/api/system/health`).out);
    expect(health.backend_connected).toBe(true);

    const copy = join(st.dir, 'backup');
    const backup = sh(`mkdir -p ${copy} && sqlite3 ${st.dbPath} ".backup '${copy}/station.db'"`);
    expect(backup.code).toBe(0);
    expect(sh(`sqlite3 ${copy}/station.db "PRAGMA integrity_check;"`).out.trim()).toBe('ok');
    expect(sh(`sqlite3 ${copy}/station.db "SELECT COUNT(*) FROM executions;"`).out.trim()).toBe(
      String(BATCHES.length),
    );
    expect(sh(`sqlite3 ${st.dbPath} "PRAGMA integrity_check;"`).out.trim()).toBe('ok');
  });

  test("the original's monitoring, troubleshooting and backup lines work as written", async () => {
    // The requirements' own lines (original §6.2-6.4), with this station's port and folders in place of
    // 8080, /opt/station and the Backend's host; everything else verbatim.
    const ps = sh('ps aux | grep station');
    expect(ps.out).toContain('scripts/station-launcher.ts'); // the launcher too, not only its services

    const listening = sh(`netstat -tlnp | grep ${port}`);
    expect(listening.code).toBe(0);
    expect(listening.out).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}\\s+\\S+\\s+LISTEN`));

    const df = sh(`df -h ${st.dataDir}`);
    expect(df.code).toBe(0);
    expect(df.out).toMatch(/\d+%/);

    // Troubleshooting a batch crash: the log first. A runner killed now shows in station.log, the file
    // every process of the station writes, with the service and the batch named on the line.
    const crashed = pidOf('--batch slot_04')!;
    process.kill(crashed, 'SIGKILL');
    const logLine = `tail -100 ${st.dataDir}/logs/station.log | grep -i error`;
    const errors = await until(
      () => {
        const lines = sh(logLine).stdout.trim().split('\n').filter(Boolean);
        return lines.find((l) => l.includes('BATCH_CRASHED') && l.includes('"slot_04"')) ? lines : undefined;
      },
      'the crash of slot_04 in station.log',
      20_000,
      100,
    );
    const crash = JSON.parse(errors.find((l) => l.includes('BATCH_CRASHED') && l.includes('"slot_04"'))!);
    expect(crash).toMatchObject({ level: 'error', service: 'supervisor', batchId: 'slot_04' });
    // Its restart policy brings it back by itself; then every batch process is there again.
    await until(
      async () =>
        (await api<{ id: string; status: string; pid?: number }[]>('/api/batches')).body.find(
          (b) => b.id === 'slot_04' && b.status === 'running' && b.pid !== crashed,
        ),
      'slot_04 restarted by its policy',
      30_000,
      100,
    );
    const batches = sh('ps aux | grep batch');
    for (const id of BATCHES) expect(batches.out).toContain(`--batch ${id}`);
    // A crashed batch (stopped here by hand, as the crash left it) is started again with the original's
    // line; the other batches keep their runners.
    const stopped = sh(`curl -s -X POST http://localhost:${port}/api/batches/slot_03/stop`);
    expect(JSON.parse(stopped.stdout)).toEqual({ status: 'idle' });
    const start = sh(`curl -X POST http://localhost:${port}/api/batches/slot_03/start`);
    expect(JSON.parse(start.stdout)).toEqual({ status: 'running', pid: expect.any(Number) });
    // `systemctl restart station-service` needs systemd as PID 1, which a test has not: the unit files it
    // names are checked by systemd-analyze in tests/systemd-units.test.ts.

    // Troubleshooting sync: the queue, the Backend's own health, a sync by hand.
    const queue = sh(`sqlite3 ${st.dbPath} "SELECT * FROM sync_queue ORDER BY created_at DESC LIMIT 10;"`);
    expect(queue.code).toBe(0);
    expect(queue.out.trim().split('\n')).toHaveLength(10);
    const backendHealth = await shAsync(`curl -v ${backend.url}/api/health`);
    expect(backendHealth.code).toBe(0);
    expect(backendHealth.out).toMatch(/< HTTP\/1\.1 200/);
    const sync = JSON.parse(sh(`curl -X POST http://localhost:${port}/api/system/sync`).stdout);
    expect(sync).toEqual({ synced: 0, failed: 0, rejected: 0, pending: 0 });

    // The daily backup script, as written (paths in place of /backup/station and /opt/station).
    const root = join(st.dir, 'backup-root');
    const stale = join(root, '20000101');
    const script = [
      '#!/bin/bash',
      `BACKUP_DIR="${root}/$(date +%Y%m%d)"`,
      'mkdir -p $BACKUP_DIR',
      `sqlite3 ${st.dbPath} ".backup '$BACKUP_DIR/station.db'"`,
      `cp ${st.configPath} $BACKUP_DIR/`,
      `find ${root} -type d -mtime +7 -exec rm -rf {} +`,
    ].join('\n');
    expect(sh(`mkdir -p ${stale} && touch -d '10 days ago' ${stale}`).code).toBe(0);
    const backup = sh(script);
    expect(backup.code).toBe(0);
    const today = sh('date +%Y%m%d').out.trim();
    expect(sh(`sqlite3 ${root}/${today}/station.db "PRAGMA integrity_check;"`).out.trim()).toBe('ok');
    expect(sh(`cmp ${st.configPath} ${root}/${today}/station.yaml`).code).toBe(0);
    expect(sh(`ls ${root}`).out.trim().split('\n')).toEqual([today]); // the stale backup is gone
  });

  test('SIGTERM to the launcher stops everything cleanly with exit 0', async () => {
    const pids = stationPids();
    expect(pids.length).toBeGreaterThanOrEqual(4 + BATCHES.length);
    launcher.proc.kill('SIGTERM');
    expect(await launcher.exited).toBe(0);
    // A runner still stopping when the supervisor's own stop budget (15 s) runs out is orphaned and
    // stops itself, with the same budget: on a loaded machine that chain is what takes long, so the
    // bound is the two budgets plus slack, and a failure names who was left.
    const left = () => pids.filter(alive).map((pid) => `${pid} ${commandOf(pid)}`);
    await until(() => left().length === 0, 'no station process left', 40_000, 100).catch((err) => {
      throw new Error(`${(err as Error).message}; still running:\n${left().join('\n')}`);
    });
  });
});
