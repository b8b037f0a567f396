// Issue 16: the supervisor can come and go without interrupting a test. The station as `npm start` runs
// it (the launcher), ten batches each running a 30-step sequence, and the supervisor SIGKILLed three
// times at random points; the launcher restarts it and the new one adopts the runners. Every run
// completes with its own verdict, no step is lost or duplicated, the store and the Backend agree, no
// runner is replaced, and the gateway's snapshot after each restart shows every batch as it really is.

import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { TestBackend } from '../backend/server.ts';
import { longRunSteps, writeLongRunPackage } from '../support/long-run-package.ts';
import { type FixtureProcess, freePort, spawnFixture, until } from '../support/process.ts';
import { REPO, type TempStation, tempStation } from '../support/station.ts';

setDefaultTimeout(240_000);

const BATCHES = Array.from({ length: 10 }, (_, i) => `slot_${String(i + 1).padStart(2, '0')}`);
const STEPS = longRunSteps(30);
const STEP_MS = 300;
/** Odd slots fail their last measurement: each run's verdict is its own, not the station's. */
const failing = (id: string) => Number(id.slice(-2)) % 2 === 1;

let st: TempStation;
let backend: TestBackend;
let launcher: FixtureProcess;
let base: string;

type Batch = { id: string; status: string; pid?: number; executionId?: string; sequenceRunning?: boolean };

async function batches(): Promise<Batch[] | undefined> {
  const res = await fetch(`${base}/api/batches`).catch(() => undefined);
  if (!res?.ok) return undefined;
  return (await res.json()) as Batch[];
}

function supervisorPid(): number | undefined {
  const ps = Bun.spawnSync(['ps', '-eo', 'pid=,args=']).stdout.toString();
  const line = ps
    .split('\n')
    .find((l) => l.includes('apps/batch-supervisor/src/main.ts') && l.includes(st.configPath));
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

beforeAll(async () => {
  backend = await TestBackend.start({ apiKey: 'restart-test-key' });
  const port = freePort();
  base = `http://127.0.0.1:${port}`;
  st = tempStation({
    packages: [],
    extraYaml: [
      `server: { port: ${port} }`,
      `backend: { url: "${backend.url}", api_key: restart-test-key, sync_interval: 1s, timeout: 2s, retry_base: 200ms, retry_cap: 1s }`,
    ].join('\n'),
    batchesYaml: BATCHES.map(
      (id) => `  - id: ${id}
    sequence_package: long_run
    hardware: { psu: { driver: sim_psu } }
    auto_start: true`,
    ).join('\n'),
  });
  writeLongRunPackage(join(st.sequencesDir, 'long_run'), STEPS.length);
  launcher = st.track(spawnFixture(join(REPO, 'scripts/station-launcher.ts'), ['--config', st.configPath]));
  await launcher.waitFor(/^Station .* ready: UI /, 120_000);
});

afterAll(async () => {
  const ps = Bun.spawnSync(['ps', '-eo', 'pid=,args=']).stdout.toString();
  for (const line of ps.split('\n')) {
    if (!line.includes(st.configPath)) continue;
    const pid = Number.parseInt(line.trim(), 10);
    if (pid !== process.pid && alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await st.cleanup();
  await backend.stop();
});

test('ten 30-step runs go through three SIGKILLs of the supervisor untouched', async () => {
  const running = await until(
    async () => {
      const list = await batches();
      return list?.every((b) => b.status === 'running' && b.pid) ? list : undefined;
    },
    'all ten batches running',
    120_000,
    250,
  );
  const runnerPid = new Map(running.map((b) => [b.id, b.pid!]));

  const executions = new Map<string, string>();
  for (const id of BATCHES) {
    const res = await fetch(`${base}/api/batches/${id}/sequence/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ parameters: { step_ms: STEP_MS, level: failing(id) ? 1 : 0 } }),
    });
    expect(res.status).toBe(200);
    executions.set(id, ((await res.json()) as { executionId: string }).executionId);
  }

  const db = new Database(st.dbPath, { readonly: true });
  const stepsDone = () =>
    (
      db.query("SELECT COUNT(*) AS n FROM step_results WHERE status = 'completed'").get() as {
        n: number;
      }
    ).n;
  try {
    const total = BATCHES.length * STEPS.length;
    for (let kill = 1; kill <= 3; kill++) {
      // A random point: somewhere in the runs, different every time (the seed is in the message).
      const seed = Math.random();
      const target = Math.floor(total * (0.1 + 0.25 * (kill - 1) + 0.2 * seed));
      await until(() => stepsDone() >= target, `${target} steps done before kill ${kill}`, 120_000, 20);
      const old = supervisorPid()!;
      expect(old).toBeGreaterThan(0);
      process.kill(old, 'SIGKILL');
      await until(() => !alive(old), 'the supervisor to be gone', 10_000, 20);
      // The launcher restarts it; once it answers, the snapshot shows the batches as they are: each
      // one running, the same runner process, the run in progress (unless it has already ended).
      const snapshot = await until(
        async () => {
          const pid = supervisorPid();
          if (pid === undefined || pid === old) return undefined;
          const list = await batches();
          return list?.every((b) => b.status === 'running') ? list : undefined;
        },
        `the supervisor back after kill ${kill} (seed ${seed.toFixed(3)})`,
        60_000,
        100,
      );
      for (const b of snapshot) {
        expect({ id: b.id, pid: b.pid }).toEqual({ id: b.id, pid: runnerPid.get(b.id) });
        if (b.sequenceRunning) expect(b.executionId).toBe(executions.get(b.id));
      }
      // The first kill comes early: every run is still going, and the snapshot says which one.
      if (kill === 1) {
        expect(snapshot.map((b) => [b.id, b.sequenceRunning, b.executionId])).toEqual(
          BATCHES.map((id) => [id, true, executions.get(id)]),
        );
      }
    }

    await until(
      () =>
        (
          db.query("SELECT COUNT(*) AS n FROM executions WHERE status <> 'running'").get() as {
            n: number;
          }
        ).n === BATCHES.length,
      'every run to end',
      120_000,
      100,
    );

    // Every run ended by itself with its own verdict; every step is there exactly once, in order.
    for (const id of BATCHES) {
      const exec = db
        .query('SELECT status, overall_pass, status_reason FROM executions WHERE id = ?')
        .get(executions.get(id)!) as { status: string; overall_pass: number; status_reason: string | null };
      expect({ id, ...exec }).toEqual({
        id,
        status: failing(id) ? 'failed' : 'completed',
        overall_pass: failing(id) ? 0 : 1,
        status_reason: null,
      });
      const steps = db
        .query('SELECT name, status FROM step_results WHERE execution_id = ? ORDER BY step_order')
        .all(executions.get(id)!) as { name: string; status: string }[];
      expect(steps).toEqual(
        STEPS.map((name, i) => ({
          name,
          status: i === STEPS.length - 1 && failing(id) ? 'failed' : 'completed',
        })),
      );
    }
    // No run was ever replaced: the runners are the ones from before the first kill.
    const after = (await batches())!;
    expect(after.map((b) => [b.id, b.pid])).toEqual(BATCHES.map((id) => [id, runnerPid.get(id)]));

    // The Backend has each result once, and it is the stored one.
    await backend.waitFor((b) => b.stats().results === BATCHES.length, 60_000);
    expect(backend.stats().duplicateResults).toBe(0);
    expect(backend.keys().sort()).toEqual([...executions.values()].sort());
    for (const id of BATCHES) {
      const sent = backend.get(executions.get(id)!)!.body as {
        overallPass: boolean;
        steps: { name: string; status: string }[];
      };
      expect(sent.overallPass).toBe(!failing(id));
      expect(sent.steps.map((s) => s.name)).toEqual(STEPS);
    }
  } finally {
    db.close();
  }
});
