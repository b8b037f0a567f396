// Engine overhead per step: 1,000 no-op steps through runSequence with an in-memory sink.
// Run: `bun bench/runner/engine.ts [steps]`. The batch runner adds store writes and events on top of this;
// bench/runner/run.ts measures the whole path against the durable floor. Prints wall and CPU per step.

import type { LoadedPackage, SequenceSink, StepResult } from '@station/sequence';
import { runSequence } from '@station/sequence';
import { noopPackage } from '@station/sequence/noop-package';

const STEPS = Number(process.argv[2] ?? 1000);
const ROUNDS = 5;

/** CPU ms (user + system) of the last `once`: what a busy machine does not inflate as much as wall time. */
let lastCpu = 0;

async function once(pkg: LoadedPackage): Promise<number> {
  const results: StepResult[] = [];
  let events = 0;
  const sink: SequenceSink = {
    onSequenceStart: () => void events++,
    onStepStart: () => void events++,
    onStepEnd: (r) => void results.push(r),
    onSequenceEnd: () => void events++,
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const outcome = await runSequence({
    pkg,
    params: {},
    drivers: {},
    executionId: 'bench',
    batchId: 'bench',
    sink,
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  lastCpu = (cpu.user + cpu.system) / 1000;
  if (!outcome.overallPass || results.length !== pkg.manifest.steps.length)
    throw new Error('bench run did not pass');
  return ms;
}

const pkg = noopPackage(STEPS, 'bench');
await once(pkg); // warm-up: JIT and module loading are not per-step overhead
const times: number[] = [];
const cpus: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  times.push(await once(pkg));
  cpus.push(lastCpu);
}
const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const median = mid(times);
console.log(`engine: ${STEPS} no-op steps x ${ROUNDS} rounds (median)`);
console.log(`  total      ${median.toFixed(1)} ms`);
console.log(`  per step   ${(median / STEPS).toFixed(4)} ms`);
console.log(`  CPU/step   ${(mid(cpus) / STEPS).toFixed(4)} ms`);
console.log(`  steps/s    ${Math.round((STEPS / median) * 1000)}`);
