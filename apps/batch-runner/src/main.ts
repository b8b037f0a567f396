// apps/batch-runner: the process of one batch.
// First: the JIT policy of the start applies to every module evaluated after it.

import { join } from 'node:path';
import { Publisher, serve } from '@station/bus';
import { metricsReply } from '@station/bus/metrics-shape';
import { curveClient, dropSecretEnv, storePath, withWithheld } from '@station/config';
import { openStore, spoolingStore } from '@station/db';
import { closeLogs, redactLine } from '@station/log';
import { type CliSpec, parseCliOrExit, runService } from '@station/service';
import { processStartTime, writeExitFile } from '@station/service/runner-files';
import { startWaveOver } from '@station/service/start-wave';
import { StorageGuard } from '@station/service/storage';
import { systemClock } from '@station/time';
import { RunnerMetrics } from './metrics.ts';
import { OrphanWatch } from './orphan.ts';
import { ABORT_CAUSES, BatchRunner } from './runner.ts';
import { startJitOver } from './start-jit.ts';
import { markStart, startCpu, startMarks } from './start-marks.ts';
import { warmUp } from './warm-up.ts';

const cli: CliSpec = {
  command: 'bun apps/batch-runner/src/main.ts',
  summary:
    'The process of one batch: loads its sequence package, drives its hardware and runs its sequence.\nStarted by the batch supervisor, which passes these options.',
  options: [
    { name: 'batch', value: 'ID', description: 'the batch of station.yaml to serve', required: true },
    {
      name: 'config-digest',
      value: 'SHA256',
      description:
        "the supervisor's digest of station.yaml: a file with that digest is read by Bun's fast YAML parser",
    },
  ],
  service: true,
};
/** Longest a warm-up waits for the station's start wave to end (a wave of 100 slots takes about 20 s). */
const WAVE_WAIT_MAX_MS = 30_000;
// Every module is loaded and evaluated: Bun's start, the parse and the evaluation of all of them.
markStart('modules');
// Read before runService: the batch names the service (and its log file).
const batchId = parseCliOrExit(cli).values.batch ?? '';

// Called, not awaited at the top level: a module graph without top-level await can be bundled as CommonJS
// with Bun's bytecode, which a runner's start loads instead of parsing the bundle (docs/runner.md).
runService(
  `runner-${batchId}`,
  async ({ config, log }) => {
    markStart('config');
    const batch = config.batches.find((b) => b.id === batchId);
    if (!batch) {
      throw new Error(
        `batch ${batchId} is not in the config (known: ${config.batches.map((b) => b.id).join(', ')})`,
      );
    }
    // The file is read: a secret this batch's own section referenced now lives in the loaded config, where
    // its driver or parameter gets it. Sequence code, imported below, must not find it in process.env.
    const dropped = dropSecretEnv(config, batch, process.env);
    if (dropped.length > 0) log.debug({ dropped }, 'secret variables removed from the environment');
    // The reason this process ends, left for a supervisor that did not spawn it (it adopted this runner
    // and gets no exit status): written at exit, whatever path leads there.
    const startTime = processStartTime(process.pid) ?? '';
    let exitReason: { reason: string; message?: string } = { reason: 'EXIT' };
    process.on('exit', (code) => {
      try {
        writeExitFile(config.paths.data_dir, {
          batchId,
          pid: process.pid,
          startTime,
          code,
          at: new Date().toISOString(),
          ...exitReason,
        });
      } catch {
        // Nowhere to leave it: the supervisor calls this runner lost.
      }
    });
    // On a batch host (batches[].host) the store is the host's own, and every write is also spooled for
    // the station's store (docs/architecture.md, "Batches on other machines").
    const local = openStore(storePath(config));
    const store = batch.host === undefined ? local : spoolingStore(local, batchId);
    markStart('store');
    // A runner on a batch host reaches the station's broker over tcp, with CURVE when configured.
    const curve = batch.host === undefined ? undefined : curveClient(config);
    // What init() says before the link to the broker is up (RECOVERY_FAILED, a resumed run's start) waits
    // for the gateway's subscription instead of being dropped: for the start timeout's 10 s at most.
    const publisher = new Publisher({
      endpoint: config.ipc.event_pub,
      holdAtStartMs: 10_000,
      // Events leave the process (to every screen and log): step errors and log lines are scrubbed first,
      // in the event's JSON text itself.
      redact: redactLine,
      // A step's three events (its end, the next step's start and status: one stretch of code, see the
      // recorder) in one socket write instead of three: a system call and a wake-up of the broker each.
      coalesce: true,
      ...(curve ? { curve } : {}),
    });
    const metrics = new RunnerMetrics(batchId);
    const runner = new BatchRunner({
      batch,
      sequencesDir: config.paths.sequences_dir,
      cacheDir: join(config.paths.data_dir, 'cache'),
      store,
      storage: StorageGuard.forConfig(config),
      startTime,
      onStatusRequest: () => orphans.contact(),
      log: log.child({ batchId }),
      publish: (event) => {
        metrics.observe(event);
        publisher
          .publish(event)
          .catch((err: unknown) => log.warn({ err: String(err) }, 'event not published'));
      },
    });
    // Without a supervisor for orphan_timeout: no new run, finish this one, then stop (unless it returns).
    const orphans = new OrphanWatch({
      timeoutMs: config.supervisor.orphan_timeout,
      clock: systemClock,
      onOrphaned: (awayMs) => {
        const why = `no supervisor for ${Math.round(awayMs / 1000)} s (supervisor.orphan_timeout)`;
        log.warn(`${why}: finishing the current run, then stopping`);
        void runner.retire(`${batchId} has ${why} and is stopping`).then(() => {
          if (!orphans.orphaned) return;
          exitReason = { reason: 'ORPHANED', message: why };
          void stop('orphaned')
            .then(() => closeLogs())
            .then(() => process.exit(0));
        });
      },
      onBack: () => {
        log.info('a supervisor is back: taking new runs again');
        runner.unretire();
      },
    });
    const stopWatching = orphans.every();
    await runner.init();

    // In a station's cold start the warm-up waits for the other slots to be Ready (start-wave.ts), unless
    // a run is asked for first: then it runs at once, before that run.
    const wave = startWaveOver(config.paths.data_dir, WAVE_WAIT_MAX_MS);
    let stopped = false;
    const stop = async (reason: string) => {
      if (stopped) return;
      stopped = true;
      stopWatching();
      wave.end();
      if (exitReason.reason === 'EXIT') {
        exitReason = { reason: reason === 'shutdown requested' ? 'SHUTDOWN_REQUESTED' : reason };
      }
      log.info({ reason }, 'runner shutting down');
      // A supervisor that vanished is not an operator's abort: the execution says the supervisor was lost.
      await runner.shutdown(reason === 'parent gone' ? ABORT_CAUSES.INTERRUPTED : ABORT_CAUSES.SHUTDOWN);
      await worker.close();
      publisher.close();
      store.close();
    };
    const handlers = runner.handlers(() => {
      // Let the reply leave before the process goes.
      setTimeout(
        () =>
          void stop('shutdown requested')
            .then(() => closeLogs())
            .then(() => process.exit(0)),
        50,
      );
    });
    const worker = serve({
      endpoint: config.ipc.service_bus,
      ...(curve ? { curve } : {}),
      service: `runner.${batchId}`,
      logger: log,
      handlers: {
        ...handlers,
        'sequence.start': (body, request) => {
          wave.end();
          return handlers['sequence.start'](body, request);
        },
        metrics: () => metricsReply(metrics.registry),
      },
    });
    const registered = await worker.ready(10_000);
    markStart('registered');
    startJitOver();
    // The warm-up runs once the slot is Ready, while the operator scans the first unit, so that unit is not
    // the slowest (warm-up.ts); a start that comes sooner waits for it to end (about 0.1 s).
    const warm = wave.over
      .then(() => warmUp((event) => void redactLine(JSON.stringify(event))))
      .then((err) => {
        markStart('warm-up');
        if (err !== undefined) log.warn({ err: String(err) }, 'runner warm-up failed');
      });
    runner.holdRunsUntil(warm);
    if (registered) log.info({ service: worker.service }, 'runner registered on the bus');
    else log.warn('runner not registered with the broker yet (it keeps trying)');
    // The start's stages, in ms since the process began (bench/runner/start.ts reads this line).
    void warm.then(() =>
      log.info(
        { start: startMarks(), cpu: startCpu(), startedAt: performance.timeOrigin },
        'runner start timings',
      ),
    );

    return { stop };
  },
  // Secrets the supervisor withheld read as a placeholder, so the shared station.yaml still parses.
  { cli, env: withWithheld(process.env), logFields: { batchId } },
).catch((err: unknown) => {
  console.error(`runner-${batchId} failed to start:`, err);
  process.exit(1);
});
