// Test fixture: a fake station behind the real broker. Serves `supervisor`, `sync` and (once started)
// `runner.batch_1`; a sequence writes its execution to the real store and publishes the real events, each
// by its real author (the supervisor `batch_process`, the runner `sequence_status` and the step events).
// A sequence started with `{ hold: true }` waits before its last step until `<storePath>.release` exists.
// Usage: station-fixture <serviceBus> <eventIn> <storePath>. Prints READY once every worker is registered.
import { existsSync } from 'node:fs';
import { BusError, Publisher, serve, type Worker } from '@station/bus';
import { openStore } from '@station/db';
import type { SequenceStatus, StationEvent } from '@station/model';
import { noVersions, syncStatus } from '../../../tests/support/fake-station.ts';

const [serviceBus, eventIn, dbPath] = process.argv.slice(2);
if (!serviceBus || !eventIn || !dbPath)
  throw new Error('usage: station-fixture <serviceBus> <eventIn> <storePath>');
const started = Date.now();
const log = {
  debug() {},
  info() {},
  warn() {},
  error: (o: object, m?: string) => console.error(m, String((o as { err?: unknown }).err)),
};
const store = openStore(dbPath);
const publisher = new Publisher({ endpoint: eventIn });
const health = (service: string) => () => ({
  service,
  pid: process.pid,
  uptime: (Date.now() - started) / 1000,
});
const publish = (e: StationEvent) => publisher.publish(e);

let status: 'idle' | 'running' = 'idle';
let runner: Worker | undefined;
let sequenceRunning = false;
let seq = 0;
let rev = 0;

/** The supervisor's lifecycle event, under a revision above every earlier one. */
function processEvent(): StationEvent {
  rev = Math.max(rev + 1, Date.now());
  return {
    type: 'batch_process',
    batch_id: 'batch_1',
    data: { status, rev, restarts: 0, ...(status === 'running' ? { pid: process.pid } : {}) },
  };
}

/** The runner's report of its run, as the real runner sends it. */
const runStatus = (data: Omit<SequenceStatus, 'sequenceName' | 'sequenceVersion'>) =>
  publish({
    type: 'sequence_status',
    batch_id: 'batch_1',
    data: { sequenceName: 'psu_functional', sequenceVersion: '1.0.0', ...data },
  });

const batchStatus = () => ({
  id: 'batch_1',
  name: 'Slot 1',
  status,
  ...(status === 'running' ? { pid: process.pid } : {}),
});

/** Two steps: `initialize` (no measurements) and `measure` (a voltage within limits). */
async function runSequence(executionId: string, parameters: Record<string, unknown>): Promise<void> {
  const t0 = '2026-01-01T10:00:00.000Z';
  store.createExecution({
    id: executionId,
    batchId: 'batch_1',
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    packageHash: 'abc',
    parameters: parameters as Record<string, number>,
    startedAt: t0,
  });
  const run = { executionId, startedAt: t0, totalSteps: 2, sequenceRunning: true };
  await runStatus({ ...run, progress: 0 });
  await publish({
    type: 'step_start',
    batch_id: 'batch_1',
    data: { step: 'initialize', index: 0, total: 2 },
  });
  await runStatus({ ...run, progress: 0, currentStep: 'initialize', stepIndex: 0 });
  const init = store.recordStep(executionId, {
    name: 'initialize',
    order: 0,
    status: 'completed',
    pass: true,
    duration: 0.5,
    attempts: 1,
  });
  await publish({
    type: 'step_complete',
    batch_id: 'batch_1',
    data: { step: 'initialize', duration: 0.5, pass: true, result: null },
  });
  await runStatus({ ...run, progress: 0.5, currentStep: 'initialize', stepIndex: 0 });
  await publish({ type: 'step_start', batch_id: 'batch_1', data: { step: 'measure', index: 1, total: 2 } });
  await runStatus({ ...run, progress: 0.5, currentStep: 'measure', stepIndex: 1 });
  if (parameters.hold === true) {
    while (!existsSync(`${dbPath}.release`)) await Bun.sleep(10);
  }
  const measured = store.recordStep(
    executionId,
    {
      name: 'measure',
      order: 1,
      status: 'completed',
      pass: true,
      duration: 1.5,
      attempts: 1,
      result: { voltage: 5.01 },
    },
    [{ name: 'voltage', value: 5.01, unit: 'V', low: 4.9, high: 5.1, pass: true }],
  );
  await publish({
    type: 'step_complete',
    batch_id: 'batch_1',
    data: { step: 'measure', duration: 1.5, pass: true, result: { voltage: 5.01 } },
  });
  await runStatus({ ...run, progress: 1, currentStep: 'measure', stepIndex: 1 });
  store.finishExecution(executionId, {
    status: 'completed',
    overallPass: true,
    completedAt: '2026-01-01T10:00:02.000Z',
    duration: 2,
  });
  const steps = [init, measured];
  await publish({
    type: 'sequence_complete',
    batch_id: 'batch_1',
    data: { executionId, overallPass: true, duration: 2, steps, verdict: 'PASS' },
  });
  sequenceRunning = false;
  await runStatus({
    sequenceRunning: false,
    lastResult: {
      executionId,
      status: 'completed',
      overallPass: true,
      completedAt: '2026-01-01T10:00:02.000Z',
      duration: 2,
      verdict: 'PASS',
    },
  });
}

function startRunner(): Worker {
  return serve({
    endpoint: serviceBus!,
    service: 'runner.batch_1',
    logger: log,
    heartbeatMs: 200,
    handlers: {
      health: health('runner.batch_1'),
      metrics: () => [],
      status: () => ({
        batchId: 'batch_1',
        pid: process.pid,
        state: sequenceRunning ? ('running' as const) : ('ready' as const),
        manualCommands: [],
        manualBusy: false,
      }),
      'recovery.acknowledge': () => {
        throw new BusError('NOT_FOUND', 'batch_1 has no failed recovery waiting to be acknowledged');
      },
      'sequence.start': ({ parameters }) => {
        if (sequenceRunning)
          throw new BusError('SEQUENCE_RUNNING', 'a sequence is already running on batch_1');
        sequenceRunning = true;
        const executionId = `exec_${++seq}`;
        // Answer first, as the real runner does; the steps follow as events.
        setTimeout(() => void runSequence(executionId, parameters ?? {}), 20);
        return { executionId };
      },
      'prompt.answer': ({ promptId }) => {
        throw new BusError('NOT_FOUND', `no prompt ${promptId}`);
      },
      'sequence.stop': () => {
        if (!sequenceRunning) throw new BusError('NOT_RUNNING', 'no sequence is running on batch_1');
        return { status: 'stopping' };
      },
      'manual.run': ({ hardware, command }) => {
        if (sequenceRunning)
          throw new BusError('SEQUENCE_RUNNING', 'manual control is disabled while a sequence runs');
        if (hardware !== 'psu') throw new BusError('UNKNOWN_HARDWARE', `no hardware named "${hardware}"`);
        return { hardware, command, result: 5.002, duration: 0.01 };
      },
      shutdown: () => ({ status: 'stopped' }),
    },
  });
}

const supervisor = serve({
  endpoint: serviceBus,
  service: 'supervisor',
  logger: log,
  heartbeatMs: 200,
  handlers: {
    health: health('supervisor'),
    metrics: () => [],
    'batch.list': () => [batchStatus(), { id: 'batch_2', name: 'Slot 2', status: 'idle' as const }],
    'batch.get': ({ batchId }) => {
      if (batchId !== 'batch_1' && batchId !== 'batch_2')
        throw new BusError('NOT_FOUND', `no batch ${batchId}`);
      const base =
        batchId === 'batch_1' ? batchStatus() : { id: 'batch_2', name: 'Slot 2', status: 'idle' as const };
      return {
        ...base,
        sequencePackage: 'psu_functional',
        autoStart: false,
        hardware: {},
        parameters: {},
        manualCommands: [],
        restarts: 0,
      };
    },
    'batch.start': async ({ batchId }) => {
      if (batchId !== 'batch_1') throw new BusError('NOT_FOUND', `no batch ${batchId}`);
      if (status === 'running') throw new BusError('ALREADY_RUNNING', 'batch_1 is already running');
      runner = startRunner();
      await runner.ready(5000);
      status = 'running';
      await publish(processEvent());
      return { status, pid: process.pid };
    },
    'batch.stop': async ({ batchId }) => {
      if (status !== 'running') throw new BusError('NOT_RUNNING', `${batchId} is not running`);
      await runner?.close();
      runner = undefined;
      status = 'idle';
      await publish(processEvent());
      return { status };
    },
    'batch.restart': () => ({ status: 'running', pid: process.pid }),
    ...noVersions,
  },
});

const sync = serve({
  endpoint: serviceBus,
  service: 'sync',
  logger: log,
  heartbeatMs: 200,
  handlers: {
    health: health('sync'),
    metrics: () => [],
    'sync.now': () => ({ synced: 1, failed: 0, rejected: 0, pending: 0 }),
    'sync.status': () => syncStatus({ pending: 1 }),
  },
});

if ((await supervisor.ready(10_000)) && (await sync.ready(10_000))) console.log(`READY ${process.pid}`);
else console.log('NOT REGISTERED');
process.on('SIGTERM', async () => {
  await Promise.all([supervisor.close(), sync.close(), runner?.close()]);
  publisher.close();
  store.close();
  process.exit(0);
});
