// Real processes on one store file: an agent killed with SIGKILL mid-batch and restarted, two agents at
// once, and the shipped main.ts stopping on SIGTERM. The Backend is the arbiter of exactly-once: it
// counts every delivery per idempotency key and every second, different result.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { TestBackend } from '../../../tests/backend/server.ts';
import { seedExecutions, type TempStore, tempStore, until } from './support.ts';

const FIXTURE = join(import.meta.dir, 'agent-fixture.ts');
const MAIN = join(import.meta.dir, '..', 'src', 'main.ts');

let backend: TestBackend;
let tmp: TempStore;
const procs: Subprocess[] = [];

beforeEach(async () => {
  backend = await TestBackend.start();
  tmp = tempStore();
});
afterEach(async () => {
  for (const p of procs.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
  await backend.stop();
  tmp.dispose();
});

/** Starts an agent process and waits for its "started <id>" line; resolves to the agent id. */
async function spawnAgent(
  opts: Record<string, number>,
): Promise<{ proc: Subprocess<'ignore', 'pipe', 'pipe'>; id: string }> {
  const proc = Bun.spawn(
    [process.execPath, FIXTURE, tmp.path, backend.url, backend.apiKey, JSON.stringify(opts)],
    {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    },
  );
  procs.push(proc);
  const reader = proc.stdout.getReader();
  let text = '';
  const deadline = Date.now() + 10_000;
  while (!text.includes('\n')) {
    if (Date.now() > deadline) throw new Error(`agent did not start: ${text}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`agent exited before starting: ${await new Response(proc.stderr).text()}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const id = /^started (\S+)/.exec(text)?.[1];
  if (!id) throw new Error(`unexpected agent output: ${text}`);
  return { proc, id };
}

function count(where: string): number {
  return tmp.store.sqlite.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${where}`).get()!.n;
}

const AGENT = { timeout: 500, leaseMs: 2_600, concurrency: 4, batchSize: 16 };

test('an agent killed with SIGKILL mid-batch and restarted: nothing lost, zero duplicate results', async () => {
  const ids = seedExecutions(tmp.store, 200);
  backend.behave({ kind: 'slow', delayMs: 25 });
  const first = await spawnAgent(AGENT);
  await until('a share delivered', () => backend.stats().results >= 40, 20_000);
  first.proc.kill('SIGKILL');
  await first.proc.exited;
  const claimedByTheDead = count(`sync_queue WHERE status = 'in_flight' AND claimed_by = '${first.id}'`);
  // It died holding claims: the crash really was mid-batch.
  expect(claimedByTheDead).toBeGreaterThan(0);

  const second = await spawnAgent(AGENT);
  await until('all delivered and recorded', () => count(`sync_queue WHERE status = 'done'`) === 200, 30_000);
  expect(new Set(backend.keys())).toEqual(new Set(ids));
  const s = backend.stats();
  expect(s).toEqual({ ...s, results: 200, duplicateResults: 0, concurrentDeliveries: 0 });
  // Re-sends of what the dead agent had in flight are the only extra deliveries, each under its own key.
  expect(s.deliveries).toBe(200 + s.duplicates);
  expect(count('executions WHERE synced_at IS NULL')).toBe(0);
  second.proc.kill('SIGTERM');
  expect(await second.proc.exited).toBe(0);
}, 60_000);

test('two agents at once never send the same result concurrently, nor twice', async () => {
  const ids = seedExecutions(tmp.store, 150);
  backend.behave({ kind: 'slow', delayMs: 15 });
  // A generous timeout: here even one timed-out request would be a (harmless) second delivery.
  const opts = { ...AGENT, timeout: 3_000, leaseMs: 60_000 };
  const [a, b] = await Promise.all([spawnAgent(opts), spawnAgent(opts)]);
  await until('all recorded', () => count(`sync_queue WHERE status = 'done'`) === 150, 30_000);
  expect(new Set(backend.keys())).toEqual(new Set(ids));
  expect(backend.stats()).toMatchObject({
    results: 150,
    deliveries: 150,
    duplicates: 0,
    duplicateResults: 0,
    concurrentDeliveries: 0,
  });
  // Both took part: the claims, not luck, kept them apart.
  const agentsSeen = tmp.store.sqlite
    .query<{ claimed_by: string }, []>('SELECT DISTINCT claimed_by FROM sync_queue ORDER BY claimed_by')
    .all()
    .map((r) => r.claimed_by);
  expect(agentsSeen).toEqual([a.id, b.id].sort());
  a.proc.kill('SIGTERM');
  b.proc.kill('SIGTERM');
  expect([await a.proc.exited, await b.proc.exited]).toEqual([0, 0]);
}, 60_000);

test('main.ts syncs with station.yaml settings and exits 0 on SIGTERM', async () => {
  const dir = tmp.dir;
  mkdirSync(join(dir, 'sequences'), { recursive: true });
  const configPath = join(dir, 'station.yaml');
  writeFileSync(
    configPath,
    [
      'station:',
      '  id: station-test',
      'backend:',
      `  url: ${backend.url}`,
      // The key comes from the environment, as on a real station (a literal ${...}, not a JS template).
      `  api_key: $\{TEST_BACKEND_KEY}`,
      '  sync_interval: 50ms',
      '  health_interval: 50ms',
      '  timeout: 1s',
      'paths:',
      `  data_dir: ${dir}`,
      '  sequences_dir: ./sequences',
      'logging:',
      '  level: warn',
      '',
    ].join('\n'),
  );
  const dut = { serialNumber: 'PSU-004711', partNumber: 'PSU-12V', revision: 'C', lot: 'L2026-48' };
  const [id] = seedExecutions(tmp.store, 1, { operator: 'op-4711', dut });
  const proc = Bun.spawn([process.execPath, MAIN, '--config', configPath], {
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
    env: { ...process.env, TEST_BACKEND_KEY: backend.apiKey },
  });
  procs.push(proc);
  await until('result delivered', () => backend.stats().results === 1, 15_000);
  // The Backend learns who ran the test along with where, and which unit it was.
  expect(backend.get(id!)?.body).toMatchObject({
    id,
    stationId: 'station-test',
    operator: 'op-4711',
    ...dut,
    serialSourceStep: null,
  });
  await until('row done', () => count(`sync_queue WHERE status = 'done'`) === 1);
  proc.kill('SIGTERM');
  expect(await proc.exited).toBe(0);
}, 30_000);

test('main.ts exits 2 and names the problem when station.yaml is wrong', async () => {
  const configPath = join(tmp.dir, 'station.yaml');
  writeFileSync(configPath, 'station:\n  id: station-test\nbackend:\n  url: not-a-url\n');
  const proc = Bun.spawn([process.execPath, MAIN, '--config', configPath], {
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
  });
  procs.push(proc);
  const [code, stderr] = [await proc.exited, await new Response(proc.stderr).text()];
  expect(code).toBe(2);
  expect(stderr).toContain('sync-agent: configuration error');
  expect(stderr).toContain('backend.url');
}, 30_000);
