// Stand-in batch runner: a real process with the real runner's command line, serving `runner.<id>` on the
// bus and running a fake sequence that writes the store and publishes step events. What it does wrong is
// read at start from `$RUNNER_FIXTURE_DIR/<batchId>.json` (see Behaviour), so a test can make it crash,
// hang, never register, ignore shutdown or SIGTERM, or exit non-zero.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusError, Publisher, serve } from '@station/bus';
import { loadConfig, storePath } from '@station/config';
import { openStore } from '@station/db';
import { flag } from '@station/service';
import { processStartTime, writeExitFile } from '@station/service/runner-files';

/** What a test can make this runner do; every field is optional. */
export interface Behaviour {
  /** false = never registers on the bus (the start must time out). */
  register?: boolean;
  /** Exits with `exitCode` this long after the supervisor took it as running (see `onceWatched`). */
  exitAfterMs?: number;
  exitCode?: number;
  /** Blocks its event loop this long after the supervisor took it as running (alive, bus silent). */
  hangAfterMs?: number;
  ignoreShutdown?: boolean;
  ignoreTerm?: boolean;
  /** Lines written to stderr at start. */
  stderr?: string[];
  /** The fake sequence: number of steps and ms per step. */
  steps?: number;
  stepMs?: number;
  /** Starts a sequence right after registering. */
  autoSequence?: boolean;
}

const argv = process.argv.slice(2);
const batchId = flag(argv, 'batch');
if (!batchId) throw new Error('runner-fixture: --batch is required');
const dir = process.env.RUNNER_FIXTURE_DIR;
let behaviour: Behaviour = {};
try {
  if (dir) behaviour = JSON.parse(readFileSync(join(dir, `${batchId}.json`), 'utf8')) as Behaviour;
} catch {
  // No file: behave well.
}
for (const line of behaviour.stderr ?? []) console.error(line);

const { config } = loadConfig({ argv });
const store = openStore(storePath(config));
const events = new Publisher({ endpoint: config.ipc.event_pub });
const started = Date.now();
const steps = behaviour.steps ?? 5;
const stepMs = behaviour.stepMs ?? 100;

// Like the real runner it outlives its supervisor, and leaves its exit reason for one that adopted it.
const startTime = processStartTime(process.pid) ?? '';
let exitReason = 'EXIT';
process.on('exit', (code) => {
  writeExitFile(config.paths.data_dir, {
    batchId: batchId!,
    pid: process.pid,
    startTime,
    code,
    reason: exitReason,
    at: new Date().toISOString(),
  });
});

interface Execution {
  id: string;
  startedAt: string;
  index: number;
  abort: AbortController;
}
let current: Execution | undefined;

async function runSequence(): Promise<string> {
  if (current) throw new BusError('SEQUENCE_RUNNING', `a sequence runs on ${batchId}`);
  const row = store.createExecution({
    batchId: batchId!,
    sequenceName: 'fixture_sequence',
    sequenceVersion: '1.0.0',
    packageHash: 'fixture',
  });
  const exec: Execution = { id: row.id, startedAt: row.startedAt, index: 0, abort: new AbortController() };
  current = exec;
  void (async () => {
    const t0 = Date.now();
    for (let i = 0; i < steps && !exec.abort.signal.aborted; i++) {
      exec.index = i;
      const name = `step_${i}`;
      const stepStart = new Date();
      void events.publish({
        type: 'step_start',
        batch_id: batchId!,
        data: { step: name, index: i, total: steps },
      });
      await Bun.sleep(stepMs);
      if (exec.abort.signal.aborted) break;
      const duration = (Date.now() - stepStart.getTime()) / 1000;
      store.recordStep(exec.id, {
        name,
        order: i,
        status: 'completed',
        pass: true,
        startedAt: stepStart,
        completedAt: new Date(),
        duration,
      });
      void events.publish({
        type: 'step_complete',
        batch_id: batchId!,
        data: { step: name, duration, pass: true, result: null },
      });
    }
    const stopped = exec.abort.signal.aborted;
    store.finishExecution(exec.id, {
      status: stopped ? 'stopped' : 'completed',
      overallPass: !stopped,
      error: stopped ? 'aborted' : null,
    });
    void events.publish({
      type: 'sequence_complete',
      batch_id: batchId!,
      data: {
        executionId: exec.id,
        overallPass: !stopped,
        duration: (Date.now() - t0) / 1000,
        steps: [],
        verdict: stopped ? 'ABORTED' : 'PASS',
      },
    });
    if (current === exec) current = undefined;
  })();
  return exec.id;
}

function abortSequence(): void {
  current?.abort.abort();
  if (current) store.finishExecution(current.id, { status: 'stopped', overallPass: false, error: 'aborted' });
}

function exitNow(code: number): void {
  try {
    abortSequence();
    store.close();
  } finally {
    process.exit(code);
  }
}

process.on('SIGTERM', () => {
  exitReason = 'SIGTERM';
  if (!behaviour.ignoreTerm) exitNow(0);
});

// Misbehaviour starts once the supervisor watches this runner as running: its start ends with one status
// request, and any request after that comes from the running batch's heartbeat. Timing it from
// registration instead raced the supervisor's first poll, which a loaded machine delays past 100 ms.
let statusSeen = false;
let watched = false;
function contact(method: 'health' | 'status'): void {
  if (watched) return;
  if (!statusSeen) {
    statusSeen = method === 'status';
    return;
  }
  watched = true;
  onceWatched();
}

function onceWatched(): void {
  if (behaviour.exitAfterMs !== undefined) {
    setTimeout(() => process.exit(behaviour.exitCode ?? 1), behaviour.exitAfterMs);
  }
  if (behaviour.hangAfterMs !== undefined) {
    setTimeout(() => {
      // Blocks the event loop without burning CPU; gives up after a minute so nothing is left behind.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
      process.exit(9);
    }, behaviour.hangAfterMs);
  }
}

if (behaviour.register !== false) {
  const worker = serve({
    endpoint: config.ipc.service_bus,
    service: `runner.${batchId}`,
    handlers: {
      health: () => {
        contact('health');
        return {
          service: `runner.${batchId}`,
          pid: process.pid,
          uptime: (Date.now() - started) / 1000,
          startTime,
        };
      },
      metrics: () => [],
      status: () => {
        contact('status');
        return {
          batchId: batchId!,
          pid: process.pid,
          state: current ? ('running' as const) : ('ready' as const),
          package: { name: 'fixture_sequence', version: '1.0.0' },
          manualCommands: [],
          manualBusy: false,
          ...(current
            ? {
                execution: {
                  executionId: current.id,
                  status: 'running' as const,
                  startedAt: current.startedAt,
                  currentStep: `step_${current.index}`,
                  stepIndex: current.index,
                  totalSteps: steps,
                  progress: current.index / steps,
                  steps: [],
                },
              }
            : {}),
        };
      },
      'sequence.start': async () => ({ executionId: await runSequence() }),
      'prompt.answer': ({ promptId }) => {
        throw new BusError('NOT_FOUND', `no prompt ${promptId}`);
      },
      'sequence.stop': () => {
        abortSequence();
        return { status: 'stopped' };
      },
      'recovery.acknowledge': () => {
        throw new BusError('NOT_FOUND', `${batchId} has no failed recovery waiting to be acknowledged`);
      },
      'manual.run': ({ hardware, command }) => ({ hardware, command, result: null, duration: 0 }),
      shutdown: () => {
        if (behaviour.ignoreShutdown) return { status: 'ignored' };
        exitReason = 'SHUTDOWN_REQUESTED';
        setTimeout(() => exitNow(0), 5);
        return { status: 'stopping' };
      },
    },
  });
  await worker.ready(30_000);
  if (behaviour.autoSequence) await runSequence();
}
