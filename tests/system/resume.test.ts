// Issue 16, resume: a runner of a package with `resume: after_last_completed` is SIGKILLed mid-run in the
// station as `npm start` runs it (launcher, supervisor, sync agent, gateway, a test Backend). The
// supervisor restarts the runner, which continues the same execution at the cut-off step; the Backend
// receives that execution once, complete, with every step once. The same package with resume off keeps
// the default: the cut-off run ends failed at once, is sent as such, and the next runner recovers.

import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestBackend } from '../backend/server.ts';
import { type FixtureProcess, freePort, spawnFixture, until } from '../support/process.ts';
import { REPO, type TempStation, tempStation } from '../support/station.ts';

setDefaultTimeout(180_000);

const SOAK = join(REPO, 'apps/batch-supervisor/test/packages/soak');

let st: TempStation;
let backend: TestBackend;
let launcher: FixtureProcess;
let base: string;

type Batch = { id: string; status: string; pid?: number };

async function batch(id = 'slot_1'): Promise<Batch | undefined> {
  const res = await fetch(`${base}/api/batches`).catch(() => undefined);
  if (!res?.ok) return undefined;
  return ((await res.json()) as Batch[]).find((b) => b.id === id);
}

/** The steps the package's trace file lists so far. */
function traced(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

beforeAll(async () => {
  backend = await TestBackend.start({ apiKey: 'resume-test-key' });
  const port = freePort();
  base = `http://127.0.0.1:${port}`;
  st = tempStation({
    packages: [SOAK],
    extraYaml: [
      `server: { port: ${port} }`,
      `backend: { url: "${backend.url}", api_key: resume-test-key, sync_interval: 1s, timeout: 2s, retry_base: 200ms, retry_cap: 1s }`,
    ].join('\n'),
    batchesYaml: `  - id: slot_1
    sequence_package: soak
    hardware: { psu: { driver: sim_psu } }
    auto_start: true
    restart: { policy: on-failure }
  - id: slot_2
    sequence_package: soak_off
    hardware: { psu: { driver: sim_psu } }
    auto_start: true
    restart: { policy: on-failure }`,
  });
  // The same package with resume off.
  const off = join(st.sequencesDir, 'soak_off');
  cpSync(SOAK, off, { recursive: true });
  const manifest = readFileSync(join(off, 'manifest.yaml'), 'utf8');
  writeFileSync(
    join(off, 'manifest.yaml'),
    manifest.replace('name: soak', 'name: soak_off').replace('resume: after_last_completed', 'resume: off'),
  );
  launcher = st.track(spawnFixture(join(REPO, 'scripts/station-launcher.ts'), ['--config', st.configPath]));
  await launcher.waitFor(/^Station .* ready: UI /, 120_000);
});

afterAll(async () => {
  const ps = Bun.spawnSync(['ps', '-eo', 'pid=,args=']).stdout.toString();
  for (const line of ps.split('\n')) {
    if (!line.includes(st.configPath)) continue;
    const pid = Number.parseInt(line.trim(), 10);
    if (pid !== process.pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
  await st.cleanup();
  await backend.stop();
});

test('a SIGKILLed runner is replaced and the run resumes; the Backend receives it once, whole', async () => {
  const first = await until(
    async () => {
      const b = await batch();
      return b?.status === 'running' && b.pid ? b : undefined;
    },
    'the batch running',
    120_000,
    250,
  );
  const parameters = { trace: join(st.dir, 'trace.txt'), release: join(st.dir, 'release') };
  const res = await fetch(`${base}/api/batches/slot_1/sequence/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ parameters }),
  });
  expect(res.status).toBe(200);
  const { executionId } = (await res.json()) as { executionId: string };

  const db = new Database(st.dbPath, { readonly: true });
  try {
    const stepStatus = (order: number) =>
      (
        db
          .query('SELECT status FROM step_results WHERE execution_id = ? AND step_order = ?')
          .get(executionId, order) as { status: string } | null
      )?.status;
    await until(() => stepStatus(1) === 'running', 'the soak step running', 30_000);
    await until(() => traced(parameters.trace).includes('soak'), 'the soak step under way', 30_000);
    process.kill(first.pid!, 'SIGKILL');
    writeFileSync(parameters.release, '');

    await backend.waitFor((b) => b.get(executionId) !== undefined, 90_000);
    expect(backend.stats().duplicateResults).toBe(0);
    const sent = backend.get(executionId)!.body as {
      status: string;
      overallPass: boolean;
      parameters: Record<string, unknown>;
      steps: { name: string; status: string }[];
      resumes?: unknown[];
    };
    expect({ status: sent.status, overallPass: sent.overallPass, parameters: sent.parameters }).toEqual({
      status: 'completed',
      overallPass: true,
      parameters,
    });
    // The result says it was cut off and resumed, and where.
    expect(sent.resumes).toEqual([
      {
        resumedAt: expect.any(String),
        fromOrder: 1,
        fromStep: 'soak',
        reason: 'BATCH_CRASHED',
        message: expect.stringContaining('SIGKILL'),
      },
    ]);
    expect(sent.steps.map((s) => [s.name, s.status])).toEqual([
      ['warm_up', 'completed'],
      ['soak', 'completed'],
      ['measure', 'completed'],
      ['power_off', 'completed'],
    ]);
    // A new runner did it: warm_up ran once, soak again from its start after the kill.
    const after = await batch();
    expect(after?.pid).not.toBe(first.pid);
    expect(existsSync(parameters.trace)).toBe(true);
    expect(readFileSync(parameters.trace, 'utf8').split('\n').filter(Boolean)).toEqual([
      'warm_up',
      'soak',
      'soak',
      'measure',
      'power_off',
    ]);
  } finally {
    db.close();
  }
});

test('with resume off a SIGKILLed run ends failed at once, is sent as such, and the next runner recovers', async () => {
  const first = await until(
    async () => {
      const b = await batch('slot_2');
      return b?.status === 'running' && b.pid ? b : undefined;
    },
    'slot_2 running',
    120_000,
    250,
  );
  const parameters = { trace: join(st.dir, 'trace_off.txt'), release: join(st.dir, 'release_off') };
  const res = await fetch(`${base}/api/batches/slot_2/sequence/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ parameters }),
  });
  expect(res.status).toBe(200);
  const { executionId } = (await res.json()) as { executionId: string };
  const db = new Database(st.dbPath, { readonly: true });
  try {
    await until(
      () =>
        (
          db
            .query('SELECT status FROM step_results WHERE execution_id = ? AND step_order = 1')
            .get(executionId) as { status: string } | null
        )?.status === 'running',
      'the soak step running',
      30_000,
    );
    await until(() => traced(parameters.trace).includes('soak'), 'the soak step under way', 30_000);
    process.kill(first.pid!, 'SIGKILL');
    writeFileSync(parameters.release, '');
    await backend.waitFor((b) => b.get(executionId) !== undefined, 90_000);
    expect(backend.stats().duplicateResults).toBe(0);
    const sent = backend.get(executionId)!.body as {
      status: string;
      statusReason: string;
      steps: { name: string; status: string }[];
      resumes?: unknown[];
    };
    expect(sent.resumes).toBeUndefined();
    expect([sent.status, sent.statusReason]).toEqual(['failed', 'BATCH_CRASHED']);
    expect(sent.steps.map((s) => s.status)).toEqual(['completed', 'failed', 'skipped', 'skipped']);
    // The next runner ran the recovery (the cleanup step), and resumed nothing.
    await until(() => readFileSync(parameters.trace, 'utf8').includes('power_off'), 'the recovery', 60_000);
    expect(readFileSync(parameters.trace, 'utf8').split('\n').filter(Boolean)).toEqual([
      'warm_up',
      'soak',
      'power_off',
    ]);
  } finally {
    db.close();
  }
});
