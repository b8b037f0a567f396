// Benchmark: a cold start of many batches, and a supervisor restart while every one of them runs a test.
//   bun bench/supervisor/restart.ts [--batches 50] [--steps 30] [--step-ms 300] [--start-concurrency n]
//     [--timings '{"registerPollMs":50}'] (the supervisor's timing overrides)
// Starts a broker and the real supervisor on a temp station whose `auto_start` batches run the real
// batch-runner with a simulated supply, and prints:
//   - cold start: supervisor spawned -> every batch `running` (registered and answering);
//   - restart: every batch starts a run, the supervisor is SIGKILLed and started again; how long until
//     every batch is adopted (same runner pid, `running`), and how many runs were interrupted;
//   - whether every run completed with all its steps, and the load average before and after.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BusClient } from '@station/bus';
import { openStore } from '@station/db';
import { runnerBundle } from '../../apps/batch-runner/build.ts';
import { writeLongRunPackage } from '../../tests/support/long-run-package.ts';
import { coldStartCpu, machineCpu, ms } from './proc-stats.ts';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    batches: { type: 'string', default: '50' },
    steps: { type: 'string', default: '30' },
    'step-ms': { type: 'string', default: '300' },
    /** Passed to the supervisor (default there: one starting runner per core). */
    'start-concurrency': { type: 'string' },
    timings: { type: 'string' },
  },
});
const n = Number(values.batches);
const steps = Number(values.steps);
const stepMs = Number(values['step-ms']);
const REPO = join(import.meta.dir, '../..');
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const dir = mkdtempSync(join(tmpdir(), 'sup-restart-'));
writeLongRunPackage(join(dir, 'sequences', 'long_run'), steps);
const config = join(dir, 'station.yaml');
const ids = Array.from({ length: n }, (_, i) => `b${i + 1}`);
writeFileSync(
  config,
  [
    'station:\n  id: bench_restart',
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
function service(main: string, extra: string[] = []): ReturnType<typeof Bun.spawn> {
  const child = Bun.spawn([process.execPath, join(REPO, main), '--config', config, ...extra], {
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'inherit',
  });
  children.push(child);
  return child;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, limitMs = 120_000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

const client = new BusClient({ endpoint: `ipc://${dir}/data/run/bus.sock`, timeoutMs: 30_000 });
const allRunning = async () => {
  const list = await client.request('supervisor', 'batch.list', {}, { timeoutMs: 2_000 });
  return list.every((b) => b.status === 'running') ? list : undefined;
};

const concurrency = values['start-concurrency'];
const supervisorArgs = [
  ...(concurrency ? ['--start-concurrency', concurrency] : []),
  ...(values.timings ? ['--timings', values.timings] : []),
];
let supervisor: ReturnType<typeof Bun.spawn> | undefined;
try {
  console.log(
    `supervisor restart benchmark: ${n} batches, ${steps} steps x ${stepMs} ms, ${navigator.hardwareConcurrency} cores, start concurrency ${concurrency ?? 'default'}, bun ${Bun.version}`,
  );
  const broker = service('apps/broker/src/main.ts');
  await waitFor('the broker', () => client.request('broker', 'ping', {}, { timeoutMs: 500 }));

  // 1. Cold start: every batch auto-starts with the supervisor.
  console.log(`load average before: ${loadavg()}`);
  const machine = machineCpu();
  let t0 = performance.now();
  supervisor = service('apps/batch-supervisor/src/main.ts', supervisorArgs);
  const first = await waitFor(`${n} batches running`, allRunning);
  const coldMs = performance.now() - t0;
  console.log(
    `cold start: all ${n} batches running ${ms(coldMs)} after the supervisor was spawned (target < 10000 ms: ${coldMs < 10_000 ? 'met' : 'NOT met'}); load ${loadavg()}`,
  );
  const cpu = coldStartCpu({
    wallMs: coldMs,
    cores: navigator.hardwareConcurrency,
    machine,
    runnerPids: first.map((b) => b.pid ?? 0),
    supervisorPid: supervisor.pid,
    brokerPid: broker.pid,
  });
  for (const line of cpu) console.log(line);
  const pids = new Map(first.map((b) => [b.id, b.pid]));

  // 2. Every batch runs a test; the supervisor is killed and a new one adopts them.
  const runs = await Promise.all(
    ids.map((id) =>
      client
        .request(`runner.${id}`, 'sequence.start', { parameters: { step_ms: stepMs } })
        .then((r) => r.executionId),
    ),
  );
  await Bun.sleep(2 * stepMs);
  supervisor.kill('SIGKILL');
  await supervisor.exited;
  t0 = performance.now();
  supervisor = service('apps/batch-supervisor/src/main.ts', supervisorArgs);
  const adopted = await waitFor('every batch adopted', allRunning);
  const same = adopted.filter((b) => b.pid === pids.get(b.id)).length;
  const inRun = adopted.filter((b) => b.sequenceRunning).length;
  console.log(
    `restart: all ${n} batches running again ${ms(performance.now() - t0)} after the new supervisor was spawned; ${same}/${n} the same runner process, ${inRun} still in their run when adopted`,
  );

  const store = openStore(join(dir, 'data', 'station.db'));
  try {
    await waitFor('every run to end', () => runs.every((id) => store.getExecution(id)?.status !== 'running'));
    const results = runs.map((id) => store.getResult(id)!);
    const whole = results.filter(
      (r) =>
        r.status === 'completed' &&
        r.steps.length === steps &&
        r.steps.every((s) => s.status === 'completed'),
    ).length;
    const interrupted = results.filter((r) => r.statusReason !== null).length;
    console.log(`runs: ${whole}/${n} completed with all ${steps} steps; ${interrupted} interrupted`);
    if (whole !== n || same !== n) process.exitCode = 1;
  } finally {
    store.close();
  }
  console.log(`load average after: ${loadavg()}`);
} finally {
  client.close();
  // SIGINT: the supervisor stops its runners too (SIGTERM would leave them for a next one).
  supervisor?.kill('SIGINT');
  await supervisor?.exited;
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
