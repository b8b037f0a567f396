// Where a runner's start goes (issue 18): spawn to Ready split into its stages, as the runner itself marks
// them (start-marks.ts, logged as "runner start timings") and as this process sees them.
//   bun bench/runner/start.ts [--steps 1000] [--starts 10] [--sources]
// Starts the real broker and real batch-runner processes (the supervisor's command line, runnerCommand)
// on a temp station with simulated hardware, for psu_functional and a generated package of --steps
// one-measurement steps; the first start of each with <data_dir>/cache empty. For every stage it prints
// the median ms since the spawn, the median time the stage itself took, and the median CPU the runner used
// in it (its own marks: what a loaded machine cannot stretch).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BusClient } from '@station/bus';
import { runnerBundle } from '../../apps/batch-runner/build.ts';
import { cpuSeconds, percentile } from '../supervisor/proc-stats.ts';
import { benchStation, load } from './station.ts';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    steps: { type: 'string', default: '1000' },
    starts: { type: 'string', default: '10' },
    // The runner's TypeScript sources instead of the bundle the supervisor spawns (apps/batch-runner/build.ts).
    sources: { type: 'boolean', default: false },
  },
});
const STEPS = Number(values.steps);
const STARTS = Number(values.starts);

// info: the runner's "registered" line carries its start marks.
const station = await benchStation({
  steps: STEPS,
  prefix: 'runner-start-',
  logLevel: 'info',
  ...(values.sources ? { main: runnerBundle.source } : {}),
});
const { dir, logsDir } = station;
const client = new BusClient({ endpoint: station.endpoint('bus.sock'), timeoutMs: 60_000 });

interface Start {
  /** ms from the spawn call to the runner answering `status` with state ready. */
  readyMs: number;
  /** Stage -> ms since the spawn call (the runner's marks, moved to this process's clock). */
  stages: Record<string, number>;
  /** CPU time (user + system) the runner used up to the end of its warm-up, ms: what a busy PC cannot hide. */
  cpuMs: number;
  /** Stage -> CPU ms the runner had used when it reached the stage (its own marks). */
  cpu: Record<string, number>;
}

/** The start marks of the "runner start timings" line of process `pid` in its log, once written. */
function marksOf(
  batchId: string,
  pid: number,
): { start: Record<string, number>; cpu: Record<string, number>; startedAt: number } | undefined {
  const lines = readFileSync(join(logsDir, `runner-${batchId}.log`), 'utf8')
    .trim()
    .split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = JSON.parse(lines[i]!) as {
      pid?: number;
      start?: Record<string, number>;
      cpu?: Record<string, number>;
      startedAt?: number;
    };
    if (line.pid === pid && line.start && line.startedAt) {
      return { start: line.start, cpu: line.cpu ?? {}, startedAt: line.startedAt };
    }
  }
  return undefined;
}

async function startOnce(batchId: string): Promise<Start> {
  const spawnedAt = performance.timeOrigin + performance.now();
  const t0 = performance.now();
  const child = station.spawnRunner(batchId);
  for (;;) {
    const s = await client
      .request(`runner.${batchId}`, 'status', {}, { timeoutMs: 1_000 })
      .catch(() => undefined);
    if (s?.state === 'error') throw new Error(`runner.${batchId}: ${JSON.stringify(s.problems)}`);
    if (s?.state === 'ready') break;
    await Bun.sleep(2);
  }
  const readyMs = performance.now() - t0;
  // The line comes once the warm-up after registration is done.
  let marks = marksOf(batchId, child.pid);
  for (let i = 0; marks === undefined; i++) {
    if (i > 5_000) throw new Error(`no start timings in runner-${batchId}.log`);
    await Bun.sleep(5);
    marks = marksOf(batchId, child.pid);
  }
  const cpuMs = cpuSeconds(child.pid) * 1000;
  await client.request(`runner.${batchId}`, 'shutdown', { reason: 'SHUTDOWN' }).catch(() => undefined);
  await child.exited;
  const { start, cpu, startedAt } = marks;
  const offset = startedAt - spawnedAt;
  const stages: Record<string, number> = { exec: offset };
  for (const [k, v] of Object.entries(start)) stages[k] = v + offset;
  stages.ready = readyMs;
  return { readyMs, stages, cpuMs, cpu };
}

const median = (xs: number[]) => percentile(xs, 50);

function report(label: string, starts: Start[]) {
  const names = Object.keys(starts[0]!.stages).sort(
    (a, b) => median(starts.map((s) => s.stages[a]!)) - median(starts.map((s) => s.stages[b]!)),
  );
  console.log(
    `\n${label}: spawn to Ready p50 ${median(starts.map((s) => s.readyMs)).toFixed(0)} ms, p95 ${percentile(
      starts.map((s) => s.readyMs),
      95,
    ).toFixed(0)} ms (load ${load()})`,
  );
  console.log(
    `CPU used by the runner up to the end of its warm-up (user + system): median ${median(starts.map((s) => s.cpuMs)).toFixed(0)} ms`,
  );
  console.log(
    'stage (reached) | ms since spawn (median) | stage took (median) | CPU ms of the stage (median)',
  );
  console.log('---|---|---|---');
  let prev = 0;
  let prevCpu = 0;
  for (const name of names) {
    const at = median(starts.map((s) => s.stages[name]!));
    // The runner's own CPU in the stage (every thread); none for the stages only this process sees.
    const cpuAt = starts[0]!.cpu[name] === undefined ? undefined : median(starts.map((s) => s.cpu[name]!));
    const cpu = cpuAt === undefined ? '-' : (cpuAt - prevCpu).toFixed(1);
    if (cpuAt !== undefined) prevCpu = cpuAt;
    console.log(`${name} | ${at.toFixed(1)} | ${(at - prev).toFixed(1)} | ${cpu}`);
    prev = at;
  }
}

try {
  console.log(
    `bench/runner/start: ${navigator.hardwareConcurrency} cores, bun ${Bun.version}, runner ${station.main}, load average ${load()} at start`,
  );
  for (const [batchId, label] of [
    ['example', 'psu_functional'],
    ['gen', `generated ${STEPS} steps`],
  ] as const) {
    rmSync(join(dir, 'data', 'cache'), { recursive: true, force: true });
    const first = await startOnce(batchId);
    report(`${label}, <data_dir>/cache empty (one start)`, [first]);
    const starts: Start[] = [];
    for (let i = 0; i < STARTS; i++) starts.push(await startOnce(batchId));
    report(`${label}, cached (${STARTS} starts)`, starts);
  }
} finally {
  client.close();
  station.close();
}
