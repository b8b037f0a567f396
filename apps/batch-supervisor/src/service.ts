// Wiring of the supervisor process: store, bus client, event publisher, runner spawner, the Supervisor and
// its `supervisor` service. Start order: clean up what an earlier supervisor left running, serve, then
// auto-start; stop order: refuse starts and stop every runner while still answering, then close.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { BusClient, Publisher, serve } from '@station/bus';
import { type BatchConfig, fastReadDigest, storePath } from '@station/config';
import { openStore } from '@station/db';
import { SequencePins } from '@station/sequence/pins';
import type { RunningService, ServiceContext } from '@station/service';
import { appBundle } from '@station/service/bundle';
import { RUNNER_MAIN, runnerCommand } from '@station/service/runner-command';
import { runnerEnv } from '@station/service/runner-env';
import {
  clearRunnerFiles,
  findRunnerProcesses,
  isAlive,
  readExitFile,
  readPidFile,
} from '@station/service/runner-files';
import { adoptedRunner, processSpawner } from '@station/service/runner-process';
import { beginStartWave, endStartWave } from '@station/service/start-wave';
import { systemTimers } from '@station/time';
import { busRunnerLink, hostAwareLink, publisherSink } from './bus-link.ts';
import { Gate } from './gate.ts';
import { supervisorHandlers } from './handlers.ts';
import { supervisorMetrics } from './metrics.ts';
import { hostDiscovery, serveStore } from './remote-batches.ts';
import { busHostLink, remoteBatches } from './remote-runner.ts';
import { type Discovery, Supervisor } from './supervisor.ts';
import { DEFAULT_TIMINGS, type Timings } from './types.ts';

export interface SupervisorServiceOptions {
  /** Script each runner runs instead of apps/batch-runner (`--runner-main`; tests and benchmarks). */
  runnerMain?: string;
  /** Timing overrides (`--timings '{"heartbeatMs":200}'`). */
  timings?: Partial<Timings>;
  /** Runners allowed to be starting at once (`--start-concurrency`); default: four per CPU core. */
  startConcurrency?: number;
}

/** The running supervisor service. */
export interface SupervisorService extends RunningService {
  readonly supervisor: Supervisor;
}

/** Runners starting at once per CPU core, unless `--start-concurrency` says otherwise. */
export const STARTS_PER_CORE = 4;

/** The supervisor's own flags, from the parsed command line (see main.ts for the list). */
export function serviceOptions(options: Record<string, string | undefined>): SupervisorServiceOptions {
  const opts: SupervisorServiceOptions = {};
  const main = options['runner-main'];
  if (main) opts.runnerMain = main;
  const timings = options.timings;
  if (timings) opts.timings = JSON.parse(timings) as Partial<Timings>;
  const concurrency = Number(options['start-concurrency']);
  if (concurrency > 0) opts.startConcurrency = concurrency;
  return opts;
}

/** Starts the supervisor: `runService('supervisor', (ctx) => startSupervisor(ctx))`. */
export async function startSupervisor(
  ctx: ServiceContext,
  opts: SupervisorServiceOptions = serviceOptions(ctx.options),
): Promise<SupervisorService> {
  const { config, log } = ctx;
  const store = openStore(storePath(config));
  const client = new BusClient({ endpoint: config.ipc.service_bus, logger: log });
  const publisher = new Publisher({ endpoint: config.ipc.event_pub });
  // Runners start from the runner bundled into one file, which parses in a fraction of the time its
  // hundreds of modules take to load (docs/runner.md, "Start-up"). When the sources changed since it was
  // built it is built again once the runners are adopted and the supervisor serves; auto-start waits for
  // it, and a runner started meanwhile runs from the sources.
  const runner = appBundle(RUNNER_MAIN);
  let runnerMain = opts.runnerMain ?? (runner.isFresh() ? runner.bundle : RUNNER_MAIN);
  const bundle = async () => {
    if (runnerMain !== RUNNER_MAIN) return;
    const entry = await runner.entry();
    if (entry.error !== undefined) {
      log.warn({ err: entry.error }, 'runner bundle not built: runners start from their sources');
    } else {
      runnerMain = entry.main;
      log.info({ main: entry.main }, 'runner bundle built');
    }
  };
  // With the file's digest a runner reads station.yaml the fast way (its start would otherwise read the
  // whole file with the checked YAML reader: a third of a second on a 100-batch station, per runner).
  let configDigest: string | undefined;
  const command = (batch: BatchConfig) =>
    runnerCommand({
      configPath: ctx.configPath,
      stationId: config.station.id,
      main: runnerMain,
      extra: () => (configDigest ? ['--config-digest', configDigest] : []),
    })(batch);
  // After adoption and serving (the CPU goes to those first), before auto-start.
  const prepare = async () => {
    await bundle();
    try {
      configDigest = fastReadDigest(readFileSync(ctx.configPath, 'utf8'));
    } catch (err) {
      log.warn({ err: String(err) }, 'station.yaml not read again: runners read it the checked way');
    }
  };
  const dataDir = config.paths.data_dir;
  const spawnLocal = processSpawner({
    command,
    dataDir,
    env: (batch) => runnerEnv(config, batch, process.env),
  });
  // Batches placed on other machines are driven through their batch host (remote-runner.ts).
  const hosts = busHostLink(client, { ...DEFAULT_TIMINGS, ...opts.timings }.startTimeoutMs);
  const remote = remoteBatches(config.batches, {
    link: hosts,
    timers: systemTimers,
    onError: (err) => log.warn({ err: String(err) }, 'a batch host could not be asked about its runner'),
  });
  const hostOf = remote.hostOf;
  const spawn = (batch: BatchConfig) =>
    batch.host === undefined ? spawnLocal(batch) : remote.spawn(batch.host, batch.id);
  // What each batch host says of its runners, asked once before adopting (no answer: `unknown`).
  const fromHosts = await hostDiscovery(config.batches, hosts);
  // Runners of this station in the process table: their command line names our config and station.
  const table = findRunnerProcesses([ctx.configPath, config.station.id]);
  const discover = (batchId: string): Discovery => {
    const host = hostOf(batchId);
    if (host !== undefined) return fromHosts(batchId);
    const recorded = readPidFile(dataDir, batchId);
    const running = recorded && isAlive(recorded) ? [recorded] : [];
    for (const id of table.get(batchId) ?? []) if (id.pid !== recorded?.pid) running.push(id);
    const ended =
      recorded && running[0] !== recorded
        ? { id: recorded, exit: readExitFile(dataDir, recorded) }
        : undefined;
    return { running, ...(ended ? { ended } : {}) };
  };
  const sink = publisherSink(publisher, log);
  // Asks the supervisor only at scrape time, once it exists.
  const metrics = supervisorMetrics(
    { get: (batchId) => supervisor.get(batchId) },
    {
      batches: config.batches,
      onError: (err) => log.warn({ err: String(err) }, 'supervisor metrics: a batch could not be read'),
    },
  );
  // The cold-start wave: more than one local auto-start batch. Its runners' warm-ups (start-wave.ts) and
  // the heartbeats of batches already running wait for its end, so the CPU goes to the starts first.
  const wave = config.batches.filter((b) => b.auto_start && b.host === undefined).length > 1;
  let waveOver = () => {};
  const beats = wave ? new Promise<void>((resolve) => (waveOver = resolve)) : Promise.resolve();
  const supervisor = new Supervisor({
    beatsFrom: () => beats,
    batches: config.batches,
    spawn,
    adopt: (id) => {
      const host = hostOf(id.batchId);
      return host === undefined ? adoptedRunner(dataDir, id) : remote.adopt(host, id);
    },
    runnerGone: (batchId) => {
      const host = hostOf(batchId);
      if (host === undefined) clearRunnerFiles(dataDir, batchId);
      else remote.gone(host, batchId);
    },
    discover,
    // Four per core: a bundled runner's start is short, and on a PC shared with other work more starts
    // at once get a fairer share of the CPU (docs/supervisor.md, "Benchmark": 50 batches in 44 s instead
    // of 79 s at a load average of 20); bounded, so fifty never thrash at once.
    startGate: new Gate(opts.startConcurrency ?? STARTS_PER_CORE * availableParallelism()),
    link: hostAwareLink(busRunnerLink(client), hostOf, hosts),
    events: {
      publish(event) {
        metrics.observe(event);
        sink.publish(event);
      },
    },
    store,
    clock: systemTimers,
    timings: { ...DEFAULT_TIMINGS, ...opts.timings },
    logger: log,
  });
  const pins = new SequencePins({
    batches: config.batches,
    sequencesDir: config.paths.sequences_dir,
    store,
    clock: systemTimers,
    detail: (batchId) => supervisor.get(batchId),
  });
  // A wave an earlier supervisor left marked (it died mid-start) holds nobody's warm-up any more.
  endStartWave(dataDir);
  supervisor.recover();
  // Runners an earlier supervisor left are taken over before we serve, so the first `batch.list` shows them.
  await supervisor.adoptRunners();
  const worker = serve({
    endpoint: config.ipc.service_bus,
    service: 'supervisor',
    handlers: supervisorHandlers(supervisor, metrics.registry, pins),
    logger: log,
  });
  // Batch hosts deliver their runners' writes to the store through this process (docs/architecture.md).
  const storeWorker = serveStore({ config, store, logger: log, registry: metrics.registry });
  // Not awaited: auto-start batches come up (or fail into their restart policy) while we already serve.
  // Starting more than one runner here, it marks the wave: their warm-ups wait for its end (start-wave.ts).
  void prepare()
    .then(() => {
      try {
        if (wave) beginStartWave(dataDir);
      } catch (err) {
        // Only the order of the warm-ups depends on it: the starts go ahead.
        log.warn({ err: String(err) }, 'start wave not marked: runners warm up as soon as each is Ready');
      }
      return supervisor.autoStart();
    })
    .finally(() => {
      endStartWave(dataDir);
      waveOver();
    });
  log.info({ batches: config.batches.map((b) => b.id) }, 'supervisor ready');
  return {
    supervisor,
    async stop(reason) {
      // SIGTERM (systemd, docker, a restart): leave the runners to the next supervisor, unless they cannot
      // outlive this process (`supervisor.keep_runners: false`, a container). SIGINT (Ctrl-C, the
      // launcher stopping the station): stop them all in order.
      if (reason === 'SIGINT' || !config.supervisor.keep_runners) await supervisor.shutdown();
      else {
        log.info('leaving the runners running for the next supervisor');
        supervisor.leave();
      }
      endStartWave(dataDir);
      await worker.close();
      await storeWorker.close();
      publisher.close();
      client.close();
      store.close();
    },
  };
}
