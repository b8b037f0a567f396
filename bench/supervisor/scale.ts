// Benchmark: a station of many batches on one PC (issue 18). A cold start of N `auto_start` batches, then
// every batch running its sequence in a loop for a while, with memory sampled and the API timed meanwhile.
//   bun bench/supervisor/scale.ts [--batches 100] [--minutes 5] [--steps 5] [--step-ms 200] [--rate 10]
// Starts the real broker, supervisor (which spawns the real batch-runners, simulated supply) and API
// gateway on a temp station, and prints:
//   - cold start: supervisor spawned -> every batch `running` (its runner registered, package loaded,
//     hardware connected); target: 100 batches within 20 s;
//   - memory: runners' RSS (sum, mean, max) and the supervisor's, at the start of the loop and every
//     minute, with the last sample's ratio to the first (flat = about 1.0);
//   - runs completed, and the API's latency meanwhile (GET /api/batches and /api/results, open loop at
//     `rate` requests per second): p50, p95, p99;
//   - the load average with every figure.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BusClient, Subscriber } from '@station/bus';
import { runnerBundle } from '../../apps/batch-runner/build.ts';
import { writeLongRunPackage } from '../../tests/support/long-run-package.ts';
import { freePort } from '../../tests/support/process.ts';
import { openLoop, p99, summary } from '../gateway/open-loop.ts';
import { coldStartCpu, machineCpu, mb, ms, rssBytes } from './proc-stats.ts';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    batches: { type: 'string', default: '100' },
    minutes: { type: 'string', default: '5' },
    steps: { type: 'string', default: '5' },
    'step-ms': { type: 'string', default: '200' },
    rate: { type: 'string', default: '10' },
  },
});
const n = Number(values.batches);
const loopMs = Number(values.minutes) * 60_000;
const steps = Number(values.steps);
const stepMs = Number(values['step-ms']);
const rate = Number(values.rate);
const REPO = join(import.meta.dir, '../..');
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const dir = mkdtempSync(join(tmpdir(), 'sup-scale-'));
writeLongRunPackage(join(dir, 'sequences', 'long_run'), steps);
const config = join(dir, 'station.yaml');
const port = freePort();
const ids = Array.from({ length: n }, (_, i) => `b${i + 1}`);
writeFileSync(
  config,
  [
    'station:\n  id: bench_scale',
    `server:\n  host: 127.0.0.1\n  port: ${port}`,
    `paths:\n  data_dir: ${dir}/data\n  sequences_dir: ${dir}/sequences`,
    'logging:\n  level: warn',
    'batches:',
    ...ids.map(
      (id) =>
        `  - id: ${id}\n    sequence_package: long_run\n    hardware: { psu: { driver: sim_psu } }\n    auto_start: true\n    restart: { policy: never }`,
    ),
  ].join('\n'),
);

// The runner bundle the supervisor spawns, built now if the sources changed, so the cold start measured is
// a station's usual one (the supervisor would otherwise build it first).
const entry = await runnerBundle.entry();
if (entry.error) console.log(`runner bundle not built (${entry.error}): runners start from their sources`);

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

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, limitMs = 180_000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

const client = new BusClient({ endpoint: `ipc://${dir}/data/run/bus.sock`, timeoutMs: 60_000 });
const list = () => client.request('supervisor', 'batch.list', {}, { timeoutMs: 5_000 });
const allRunning = async () => {
  const l = await list();
  return l.length === n && l.every((b) => b.status === 'running') ? l : undefined;
};

/** Runners' and the supervisor's RSS now. */
function memory(pids: number[], supervisorPid: number) {
  const rss = pids.map(rssBytes);
  const sum = rss.reduce((a, b) => a + b, 0);
  return { sum, mean: sum / rss.length, max: Math.max(...rss), supervisor: rssBytes(supervisorPid) };
}
const memLine = (label: string, m: ReturnType<typeof memory>) =>
  `${label}: runners ${mb(m.sum)} in all, mean ${mb(m.mean)}, max ${mb(m.max)}; supervisor ${mb(m.supervisor)}; load ${loadavg()}`;

let supervisor: ReturnType<typeof Bun.spawn> | undefined;
const subscriber = new Subscriber({
  endpoint: `ipc://${dir}/data/run/events-out.sock`,
  prefixes: ['batch.'],
});
const ended = new Map<string, () => void>();
void (async () => {
  for await (const { event } of subscriber) {
    if (event.type === 'sequence_complete') ended.get(event.batch_id)?.();
  }
})();
try {
  console.log(
    `scale benchmark: ${n} batches, ${steps} steps x ${stepMs} ms, loop ${values.minutes} min, ${navigator.hardwareConcurrency} cores, bun ${Bun.version}`,
  );
  const broker = service('apps/broker/src/main.ts');
  await waitFor('the broker', () => client.request('broker', 'ping', {}, { timeoutMs: 500 }));

  // 1. Cold start: every batch auto-starts with the supervisor.
  console.log(`load average before: ${loadavg()}`);
  const machine = machineCpu();
  const t0 = performance.now();
  supervisor = service('apps/batch-supervisor/src/main.ts');
  const first = await waitFor(`${n} batches running`, allRunning);
  const coldMs = performance.now() - t0;
  console.log(
    `cold start: all ${n} batches Ready ${ms(coldMs)} after the supervisor was spawned (target < 20000 ms: ${coldMs < 20_000 ? 'met' : 'NOT met'}); load ${loadavg()}`,
  );
  const pids = first.map((b) => b.pid ?? 0);
  const supervisorPid = supervisor.pid;
  const cpu = coldStartCpu({
    wallMs: coldMs,
    cores: navigator.hardwareConcurrency,
    machine,
    runnerPids: pids,
    supervisorPid,
    brokerPid: broker.pid,
  });
  for (const line of cpu) console.log(line);
  service('apps/api-gateway/src/main.ts');
  const base = `http://127.0.0.1:${port}`;
  await waitFor('the gateway', async () => (await fetch(`${base}/api/batches`)).ok, 30_000);

  // 2. Every batch runs its sequence in a loop; memory is sampled; the API is timed on a fixed schedule.
  const until = Date.now() + loopMs;
  let runs = 0;
  let refused = 0;
  const loop = async (id: string) => {
    while (Date.now() < until) {
      const done = new Promise<void>((resolve) => ended.set(id, resolve));
      try {
        await client.request(`runner.${id}`, 'sequence.start', { parameters: { step_ms: stepMs } });
      } catch {
        refused++;
        await Bun.sleep(1_000);
        continue;
      }
      await done;
      runs++;
    }
  };
  // The API timed as bench/gateway times it (open-loop), half the rate on each path, for the whole loop.
  const seconds = loopMs / 1000;
  const apiLoop = () =>
    Promise.all([
      openLoop(`${base}/api/batches`, rate / 2, seconds),
      openLoop(`${base}/api/results?page=1`, rate / 2, seconds),
    ]);
  const api = apiLoop();
  const loops = Promise.all(ids.map(loop));
  await Bun.sleep(Math.min(10_000, loopMs / 4));
  const m0 = memory(pids, supervisorPid);
  console.log(memLine('memory at the start of the loop', m0));
  let last = m0;
  const sampler = setInterval(() => {
    last = memory(pids, supervisorPid);
    console.log(memLine(`memory after ${Math.round((loopMs - (until - Date.now())) / 1000)} s`, last));
  }, 60_000);
  await loops;
  const [batchesApi, resultsApi] = await api;
  clearInterval(sampler);
  last = memory(pids, supervisorPid);
  console.log(memLine('memory at the end of the loop', last));
  console.log(
    `memory ratio end/start: runners ${(last.sum / m0.sum).toFixed(2)}x, supervisor ${(last.supervisor / m0.supervisor).toFixed(2)}x (flat: about 1.0); runner mean ${mb(last.mean)} (target < 45 MB)`,
  );
  console.log(`runs completed: ${runs} (${refused} starts refused) in ${values.minutes} min`);
  console.log(`API meanwhile (bench/gateway's open loop, ${rate}/s in all); load ${loadavg()}`);
  for (const [path, r] of [
    ['/api/batches', batchesApi],
    ['/api/results?page=1', resultsApi],
  ] as const) {
    console.log(
      summary(`GET ${path} @ ${rate / 2}/s`, r.latencies, `  ${r.errors} errors, ${r.skipped} skipped`),
    );
  }
  const all = [...batchesApi.latencies, ...resultsApi.latencies];
  console.log(summary('both paths', all, `  (API p99 ${p99(all).toFixed(1)} ms)`));
} finally {
  client.close();
  subscriber.close();
  // SIGINT: the supervisor stops its runners too (SIGTERM would leave them for a next one).
  supervisor?.kill('SIGINT');
  await supervisor?.exited;
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
