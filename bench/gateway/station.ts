// Benchmark helper process: a fake station of N batches "running sequences in a loop" on the real bus.
// Serves `supervisor` (batch.list/get, the gateway's snapshot) and `sync`; publishes, as the real authors
// do, each batch's `batch_process` once and its run as `sequence_status` at every step's start and end,
// with the step events and a timed `log` event per step (message `t=<epoch ms, fractional>`, read by the
// WS clients to measure event latency); writes a finished execution to the store at each sequence's end.
// Usage: bun bench/gateway/station.ts <serviceBus> <eventIn> <storePath> <batches> <stepsPerSecondPerBatch>
import { Publisher, serve } from '@station/bus';
import { newExecutionId, openStore } from '@station/db';
import { noVersions, syncStatus } from '../../tests/support/fake-station.ts';

const [serviceBus, eventIn, dbPath, batchArg, rateArg] = process.argv.slice(2);
if (!serviceBus || !eventIn || !dbPath)
  throw new Error('usage: station.ts <serviceBus> <eventIn> <storePath> <batches> <rate>');
const batches = Array.from({ length: Number(batchArg ?? 10) }, (_, i) => `batch_${i + 1}`);
const stepsPerSecond = Number(rateArg ?? 10);
const STEPS = 5;
const store = openStore(dbPath);
const publisher = new Publisher({ endpoint: eventIn });
const now = () => performance.timeOrigin + performance.now();
const quiet = { debug() {}, info() {}, warn() {}, error: (o: object, m?: string) => console.error(m, o) };
const state = new Map(batches.map((id) => [id, { step: 0, executionId: '' }]));

const supervisor = serve({
  endpoint: serviceBus,
  service: 'supervisor',
  logger: quiet,
  handlers: {
    health: () => ({ service: 'supervisor', pid: process.pid, uptime: 1 }),
    metrics: () => [],
    'batch.list': () =>
      batches.map((id) => ({
        id,
        name: id,
        status: 'running' as const,
        pid: process.pid,
        currentStep: `step_${state.get(id)?.step ?? 0}`,
        stepIndex: state.get(id)?.step ?? 0,
        totalSteps: STEPS,
        progress: (state.get(id)?.step ?? 0) / STEPS,
      })),
    'batch.get': ({ batchId }) => ({
      id: batchId,
      name: batchId,
      status: 'running' as const,
      sequencePackage: 'psu_functional',
      autoStart: true,
      hardware: {},
      parameters: {},
      manualCommands: [],
      restarts: 0,
    }),
    'batch.start': () => ({ status: 'running', pid: process.pid }),
    'batch.stop': () => ({ status: 'idle' }),
    'batch.restart': () => ({ status: 'running', pid: process.pid }),
    ...noVersions,
  },
});
const sync = serve({
  endpoint: serviceBus,
  service: 'sync',
  logger: quiet,
  handlers: {
    health: () => ({ service: 'sync', pid: process.pid, uptime: 1 }),
    metrics: () => [],
    'sync.now': () => ({ synced: 0, failed: 0, rejected: 0, pending: 0 }),
    'sync.status': () => syncStatus(),
  },
});

/** One step of one batch: events as a runner sends them, and the store write when the sequence ends. */
async function tick(batchId: string): Promise<void> {
  const s = state.get(batchId)!;
  if (s.step === 0) {
    // Time-sortable, as the runner's are: the read model takes a run with a lower id for an older one.
    s.executionId = newExecutionId();
    store.createExecution({
      id: s.executionId,
      batchId,
      sequenceName: 'psu_functional',
      sequenceVersion: '1.0.0',
      packageHash: 'h',
    });
  }
  const step = `step_${s.step}`;
  const run = {
    sequenceRunning: true,
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    executionId: s.executionId,
    startedAt: new Date().toISOString(),
    totalSteps: STEPS,
    currentStep: step,
    stepIndex: s.step,
    dut: null,
  };
  await publisher.publish({
    type: 'step_start',
    batch_id: batchId,
    data: { step, index: s.step, total: STEPS },
  });
  await publisher.publish({
    type: 'sequence_status',
    batch_id: batchId,
    data: { ...run, progress: s.step / STEPS },
  });
  await publisher.publish({
    type: 'log',
    batch_id: batchId,
    data: { level: 'info', message: `t=${now()}`, timestamp: new Date().toISOString() },
  });
  store.recordStep(
    s.executionId,
    { name: step, order: s.step, status: 'completed', pass: true, duration: 0.01 },
    [{ name: 'v', value: 5, low: 4, high: 6, pass: true }],
  );
  await publisher.publish({
    type: 'step_complete',
    batch_id: batchId,
    data: { step, duration: 0.01, pass: true, result: null },
  });
  await publisher.publish({
    type: 'sequence_status',
    batch_id: batchId,
    data: { ...run, progress: (s.step + 1) / STEPS },
  });
  s.step += 1;
  if (s.step === STEPS) {
    store.finishExecution(s.executionId, { status: 'completed', overallPass: true });
    s.step = 0;
  }
}

await supervisor.ready(10_000);
await sync.ready(10_000);
// The supervisor's facts: every batch's runner is up (published again now and then, for a late subscriber).
let rev = Date.now();
const announce = () => {
  for (const id of batches) {
    void publisher.publish({
      type: 'batch_process',
      batch_id: id,
      data: { status: 'running', rev: ++rev, pid: process.pid, restarts: 0 },
    });
  }
};
announce();
const announcing = setInterval(announce, 5000);
// Batches are spread over the step period so the events do not all leave in the same millisecond.
const intervals: ReturnType<typeof setInterval>[] = [];
const starts = batches.map((id, i) =>
  setTimeout(
    () => intervals.push(setInterval(() => void tick(id), 1000 / stepsPerSecond)),
    (i * 1000) / stepsPerSecond / batches.length,
  ),
);
console.log(`READY ${process.pid}`);
process.on('SIGTERM', async () => {
  for (const t of starts) clearTimeout(t);
  for (const t of intervals) clearInterval(t);
  clearInterval(announcing);
  await Promise.all([supervisor.close(), sync.close()]);
  publisher.close();
  store.close();
  process.exit(0);
});
