// Wiring of the batch host: its own store (where its runners write and the spool lives), the bus link to
// the station's broker, the runners of the batches placed here, the `host.<name>` service the supervisor
// drives them through, and the drain that delivers the spool to the station's store.

import { BusClient, hostService, serve } from '@station/bus';
import { metricsReply } from '@station/bus/metrics-shape';
import { curveClient, type StationConfig, storePath } from '@station/config';
import { openStore } from '@station/db';
import { healthHandler, type RunningService, type ServiceContext } from '@station/service';
import { serviceRegistry } from '@station/service/metrics';
import { runnerCommand } from '@station/service/runner-command';
import { runnerEnv } from '@station/service/runner-env';
import {
  clearRunnerFiles,
  findRunnerProcesses,
  isAlive,
  readExitFile,
  readPidFile,
} from '@station/service/runner-files';
import type { ExitInfo } from '@station/service/runner-process';
import { adoptedRunner, processSpawner } from '@station/service/runner-process';
import { SpoolDrain } from './drain.ts';
import { HostRunners } from './runners.ts';

export interface BatchHostService extends RunningService {
  readonly runners: HostRunners;
  readonly drain: SpoolDrain;
}

/** The batches station.yaml places on host `name`; an unknown host is a start failure naming the known. */
export function batchesOf(config: StationConfig, name: string) {
  if (!config.hosts.some((h) => h.name === name)) {
    const known = config.hosts.map((h) => h.name).join(', ') || 'none';
    throw new Error(`host ${name} is not in station.yaml's hosts (known: ${known})`);
  }
  return config.batches.filter((b) => b.host === name);
}

/** How a crashed runner's run is ended in this host's store (the station ends its own copy). */
function crashCause(batchId: string, pid: number, exit: ExitInfo) {
  if (exit.lost) {
    return {
      reason: 'BATCH_LOST' as const,
      message: `runner of ${batchId} (pid ${pid}) is gone without leaving an exit reason (killed, or out of memory)`,
    };
  }
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  return { reason: 'BATCH_CRASHED' as const, message: `runner of ${batchId} crashed (${how})` };
}

/** Starts the batch host named `--host`. */
export async function startBatchHost(
  ctx: ServiceContext,
  name = ctx.options.host ?? '',
): Promise<BatchHostService> {
  const { config, log } = ctx;
  const batches = batchesOf(config, name);
  const dataDir = config.paths.data_dir;
  const store = openStore(storePath(config));
  // CURVE towards the station's broker when security.curve names its key (docs/configuration.md).
  const curve = curveClient(config);
  const client = new BusClient({
    endpoint: config.ipc.service_bus,
    logger: log,
    ...(curve ? { curve } : {}),
  });
  const spawn = processSpawner({
    command: runnerCommand({ configPath: ctx.configPath, stationId: config.station.id }),
    dataDir,
    env: (batch) => runnerEnv(config, batch, process.env),
  });
  const table = findRunnerProcesses([ctx.configPath, config.station.id]);
  const runners = new HostRunners({
    batches,
    spawn,
    adopt: (id) => adoptedRunner(dataDir, id),
    find: (batchId) => {
      const recorded = readPidFile(dataDir, batchId);
      if (recorded && isAlive(recorded)) return { alive: recorded };
      const listed = table.get(batchId)?.[0];
      if (listed) return { alive: listed };
      if (!recorded) return {};
      const left = readExitFile(dataDir, recorded);
      return {
        ended: {
          id: recorded,
          ...(left ? { exit: { code: left.code, signal: null, reason: left.reason } } : {}),
        },
      };
    },
    pending: (batchId) => store.spoolCount(batchId),
    onCrash: (batchId, exit, pid) => {
      try {
        // Not spooled: the supervisor ends the station's copy of the run itself, with the same reason.
        store.markInterrupted({ batchId }, 'failed', crashCause(batchId, pid, exit), new Date(), {
          holdResumable: true,
        });
      } catch (err) {
        log.error({ batchId, err: String(err) }, 'could not end the crashed run in the host store');
      }
    },
    clearFiles: (batchId) => clearRunnerFiles(dataDir, batchId),
    logger: log,
  });
  runners.adoptExisting();
  const drain = new SpoolDrain({
    store,
    deliver: (records) =>
      client.request('store', 'spool.deliver', { host: name, records }, { timeoutMs: 10_000 }),
    logger: log,
  });
  drain.start();
  const registry = serviceRegistry('batch-host');
  const worker = serve({
    endpoint: config.ipc.service_bus,
    ...(curve ? { curve } : {}),
    service: hostService(name),
    logger: log,
    handlers: {
      health: healthHandler(hostService(name)),
      metrics: () => metricsReply(registry),
      'runner.start': ({ batchId }) => runners.start(batchId),
      'runner.list': () => runners.list(),
      'runner.signal': ({ signal, ...ref }) => ({ sent: runners.signal(ref, signal) }),
      'runner.forget': (ref) => ({ forgotten: runners.forget(ref) }),
    },
  });
  log.info({ host: name, batches: batches.map((b) => b.id) }, 'batch host ready');
  return {
    runners,
    drain,
    async stop() {
      // Runners keep running (and spooling) for the next host process; it delivers what is left.
      runners.leave();
      await drain.stop();
      await worker.close();
      client.close();
      store.close();
    },
  };
}
