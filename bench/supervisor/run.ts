// Benchmark: how fast the supervisor brings a batch up (request -> runner registered and answering), and
// what 10, then 50, batches running a sequence at once cost on this machine.
//   bun bench/supervisor/run.ts [--starts 20] [--sizes 10,50] [--package psu_functional]
// Starts a broker and the real supervisor on a temp station whose batches run the real batch-runner with
// simulated hardware; prints start p50/p95, supervisor CPU and RSS, runner RSS, and checks every result.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BusClient, Subscriber } from '@station/bus';
import { openStore } from '@station/db';
import type { StationEvent } from '@station/model';
import { cpuSeconds, mb, ms, percentile, rssBytes } from './proc-stats.ts';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    starts: { type: 'string', default: '20' },
    sizes: { type: 'string', default: '10,50' },
    package: { type: 'string', default: 'psu_functional' },
  },
});
const starts = Number(values.starts);
const sizes = values.sizes.split(',').map(Number);
const maxBatches = Math.max(1, ...sizes);
const REPO = join(import.meta.dir, '../..');

const dir = mkdtempSync(join(tmpdir(), 'sup-bench-'));
const config = join(dir, 'station.yaml');
mkdirSync(join(dir, 'data'));
const ids = Array.from({ length: maxBatches }, (_, i) => `b${i + 1}`);
writeFileSync(
  config,
  [
    'station:\n  id: bench_station',
    `paths:\n  data_dir: ${dir}/data\n  sequences_dir: ${REPO}/sequences`,
    'logging:\n  level: warn',
    'batches:',
    ...ids.map(
      (id) =>
        `  - id: ${id}\n    sequence_package: ${values.package}\n    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }\n    restart: { policy: never }`,
    ),
  ].join('\n'),
);

const children: ReturnType<typeof Bun.spawn>[] = [];
function service(main: string): ReturnType<typeof Bun.spawn> {
  const child = Bun.spawn([process.execPath, join(REPO, main), '--config', config], {
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'inherit',
  });
  children.push(child);
  return child;
}

const broker = service('apps/broker/src/main.ts');
const supervisor = service('apps/batch-supervisor/src/main.ts');
const endpoint = (name: string) => `ipc://${dir}/data/run/${name}`;
const client = new BusClient({ endpoint: endpoint('bus.sock'), timeoutMs: 180_000 });
const events: StationEvent[] = [];
const subscriber = new Subscriber({ endpoint: endpoint('events-out.sock'), prefixes: ['batch.'] });
void (async () => {
  for await (const { event } of subscriber) events.push(event);
})();

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, limitMs = 60_000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** Starts `batchIds` concurrently; resolves with each start's time (request -> reply) in ms. */
async function startAll(batchIds: string[]): Promise<number[]> {
  return Promise.all(
    batchIds.map(async (batchId) => {
      const t0 = performance.now();
      await client.request('supervisor', 'batch.start', { batchId });
      return performance.now() - t0;
    }),
  );
}

async function stopAll(batchIds: string[]): Promise<void> {
  await Promise.all(batchIds.map((batchId) => client.request('supervisor', 'batch.stop', { batchId })));
}

try {
  await waitFor('the supervisor', () => client.request('supervisor', 'health', {}, { timeoutMs: 1_000 }));
  console.log(
    `supervisor benchmark: ${process.platform}, ${navigator.hardwareConcurrency} cores, bun ${Bun.version}`,
  );

  // 1. One batch, started and stopped `starts` times.
  const single: number[] = [];
  for (let i = 0; i < starts; i++) {
    single.push(...(await startAll(['b1'])));
    await stopAll(['b1']);
  }
  console.log(
    `start time, one batch, ${starts} starts: p50 ${ms(percentile(single, 50))}, p95 ${ms(percentile(single, 95))}, max ${ms(Math.max(...single))}`,
  );

  // 2. N batches at once, each running its sequence.
  const store = openStore(join(dir, 'data', 'station.db'));
  for (const n of sizes) {
    const batchIds = ids.slice(0, n);
    const cpu0 = cpuSeconds(supervisor.pid);
    const t0 = performance.now();
    const startTimes = await startAll(batchIds);
    const list = await client.request('supervisor', 'batch.list', {});
    const pids = list.filter((b) => batchIds.includes(b.id)).map((b) => b.pid ?? 0);
    console.log(
      `${n} batches: start p50 ${ms(percentile(startTimes, 50))}, p95 ${ms(percentile(startTimes, 95))}, max ${ms(Math.max(...startTimes))} (all running ${ms(performance.now() - t0)} after the first request)`,
    );
    events.length = 0;
    const t1 = performance.now();
    const runs = await Promise.all(
      batchIds.map((batchId) =>
        client.request(`runner.${batchId}`, 'sequence.start', {}).then(
          (r) => r.executionId,
          (err: unknown) => {
            console.log(`  ${batchId}: sequence.start failed: ${String(err)}`);
            return undefined;
          },
        ),
      ),
    );
    const started = runs.filter((r) => r !== undefined).length;
    const runnerRss = pids.map(rssBytes);
    const supervisorRss = rssBytes(supervisor.pid);
    // Done = every execution that was started has left `running` in the store (finished or marked).
    const finished = () =>
      runs.every((id) => id === undefined || store.getExecution(id)?.status !== 'running');
    await waitFor(`${started} sequences`, finished, 120_000).catch((err: unknown) =>
      console.log(`  ${String(err)}`),
    );
    const wall = performance.now() - t0;
    const cpu = cpuSeconds(supervisor.pid) - cpu0;
    const results = runs.map((id) => (id === undefined ? undefined : store.getResult(id)));
    const correct = results.filter(
      (r) =>
        r?.status === 'completed' && r.overallPass === true && r.steps.every((s) => s.status === 'completed'),
    ).length;
    results.forEach((r, i) => {
      if (!r || (r.status === 'completed' && r.overallPass === true)) return;
      const bad = r.steps.find((st) => st.status !== 'completed' || !st.pass);
      console.log(
        `  ${batchIds[i]}: ${r.status}, pass ${r.overallPass}; ${bad ? `${bad.name}: ${bad.error}` : ''}`,
      );
    });
    const crashes = events.filter((e) => e.type === 'error' && e.data.code === 'BATCH_CRASHED').length;
    console.log(
      [
        `  sequences completed with correct results: ${correct}/${n} (${ms(performance.now() - t1)} from the sequence requests; ${crashes} batch crashes)`,
        `  supervisor: ${cpu.toFixed(2)} CPU s over ${(wall / 1000).toFixed(1)} s (${((100 * cpu * 1000) / wall).toFixed(1)}% of one core), RSS ${mb(supervisorRss)}`,
        `  runner RSS: mean ${mb(runnerRss.reduce((a, b) => a + b, 0) / n)}, max ${mb(Math.max(...runnerRss))}`,
      ].join('\n'),
    );
    await stopAll(batchIds);
    if (correct !== n) process.exitCode = 1;
  }
  store.close();
} finally {
  client.close();
  subscriber.close();
  // SIGINT: the supervisor stops its runners too (SIGTERM would leave them for a next supervisor).
  supervisor.kill('SIGINT');
  await supervisor.exited;
  broker.kill('SIGTERM');
  await broker.exited;
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
