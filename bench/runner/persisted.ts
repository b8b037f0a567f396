// The runner's own overhead per step, store writes included: 1,000 no-op steps (one measurement each)
// through runSequence with the runner's recorder writing every step to a real SQLite file (WAL,
// synchronous=FULL) and publishing events to a no-op sink. Target: under 2 ms per step.
// Run: `bun bench/runner/persisted.ts [steps]`. Prints steps/s and ms/step (median of 5 rounds), and the
// same with synchronous=NORMAL to show how much of it is the disk flush.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noopPackage } from '@station/sequence/noop-package';
import { newExecutionId, openStore } from '../../packages/db/src/index.ts';
import { runSequence } from '../../packages/sequence/src/index.ts';
import { createRecorder } from '../../packages/sequence/src/recorder.ts';

const STEPS = Number(process.argv[2] ?? 1000);
const ROUNDS = 5;

async function round(synchronous: 'FULL' | 'NORMAL'): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-runner-'));
  const store = openStore(join(dir, 'station.db'));
  store.sqlite.exec(`PRAGMA synchronous=${synchronous}`);
  try {
    const pkg = noopPackage(STEPS, 'bench');
    const executionId = newExecutionId();
    const t0 = performance.now();
    store.createExecution({
      id: executionId,
      batchId: 'b',
      sequenceName: 'bench',
      sequenceVersion: '1',
      packageHash: pkg.hash,
      steps: pkg.manifest.steps.map((s) => s.name),
    });
    let events = 0;
    const sink = createRecorder(store, 'b', executionId, {
      publish: () => void events++,
      onStepStart: () => {},
      onStepEnd: () => {},
      abortCause: () => undefined,
      onStoreError: (err) => {
        throw err;
      },
    });
    const outcome = await runSequence({ pkg, params: {}, drivers: {}, executionId, batchId: 'b', sink });
    const ms = performance.now() - t0;
    if (outcome.status !== 'completed' || store.getResult(executionId)?.steps.length !== STEPS) {
      throw new Error('bench run did not store every step');
    }
    return ms;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`bench/runner: ${STEPS} no-op steps, persisted (median of ${ROUNDS})\n`);
console.log('store | ms/step | steps/s');
console.log('---|---|---');
for (const mode of ['FULL', 'NORMAL'] as const) {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) times.push(await round(mode));
  times.sort((a, b) => a - b);
  const median = times[Math.floor(ROUNDS / 2)]!;
  console.log(
    `synchronous=${mode}${mode === 'FULL' ? ' (as shipped)' : ''} | ${(median / STEPS).toFixed(3)} | ${Math.round((STEPS / median) * 1000).toLocaleString('en')}`,
  );
}
