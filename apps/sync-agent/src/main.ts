// The sync agent process: drains sync_queue to the Backend, serves `sync` on the bus and publishes
// `system.sync_status` events, until SIGTERM/SIGINT; then it leaves the bus, stops claiming, finishes or
// releases what is in flight and exits 0. Exit 2: the configuration is wrong.
import { statSync } from 'node:fs';
import { Publisher, serve } from '@station/bus';
import { metricsReply } from '@station/bus/metrics-shape';
import { storePath } from '@station/config';
import { type CliSpec, runService } from '@station/service';
import { StorageGuard } from '@station/service/storage';
import { SyncAgent } from './agent.ts';
import { watchDisk } from './disk-watch.ts';
import { describe } from './errors.ts';
import { syncHandlers } from './handlers.ts';
import { SyncMetrics } from './metrics.ts';
import { Retention } from './retention.ts';
import { openAgentStore } from './store.ts';
import { systemClock } from './types.ts';

const cli: CliSpec = {
  command: 'bun apps/sync-agent/src/main.ts',
  summary:
    'Delivers finished results from the sync queue to the Backend (backend.url), exactly once, and answers\n`sync` requests (sync now, sync status).',
  service: true,
};

await runService(
  'sync-agent',
  async ({ config, log }) => {
    const path = storePath(config);
    const store = openAgentStore(path);
    const storage = StorageGuard.forConfig(config);
    // Events are fire-and-forget (dropped while the broker is away); screens also ask sync.status.
    const events = new Publisher({ endpoint: config.ipc.event_pub });
    const metrics = new SyncMetrics(store, systemClock, {
      onError: (err) =>
        log.warn({ err: describe(err) }, 'sync-agent: the outbox could not be read for metrics'),
    });
    const agent = new SyncAgent({
      metrics,
      store,
      backend: config.backend,
      logger: log,
      stationId: config.station.id,
      onStatusChange: (data) => {
        events.publish({ type: 'sync_status', data }).catch((err: unknown) => {
          log.warn({ err: describe(err) }, 'sync-agent: publishing sync_status failed');
        });
      },
    });
    const worker = serve({
      endpoint: config.ipc.service_bus,
      service: 'sync',
      handlers: { ...syncHandlers(agent), metrics: () => metricsReply(metrics.registry) },
      logger: log,
    });
    agent.start();
    const retention = new Retention({
      store,
      keepResultsMs: config.storage.keep_results_days * 24 * 3600_000,
      logger: log,
      storage,
      storeBytes: () => statSync(path, { throwIfNoEntry: false })?.size ?? 0,
    });
    retention.start();
    const stopWatch = watchDisk(storage, log, agent.mode);
    return {
      async stop() {
        try {
          stopWatch();
          // Off the bus first, so that no request reaches an agent that is stopping.
          await worker.close();
          await retention.stop();
          await agent.stop();
        } finally {
          events.close();
          store.close();
        }
      },
    };
  },
  { cli },
);
