// The sync agent process: reads station.yaml, opens the store, drains sync_queue to the Backend, serves
// `sync` on the bus and publishes `system.sync_status` events, until SIGTERM/SIGINT; then it leaves the
// bus, stops claiming, finishes or releases what is in flight and exits 0.
// Exit 2: the configuration is wrong (nothing to retry until a person fixes it).
import { Publisher, serve } from '@station/bus';
import { ConfigError, type LoadedConfig, loadConfig, storePath } from '@station/config';
import { createLogger } from '@station/log';
import { SyncAgent } from './agent.ts';
import { describe } from './errors.ts';
import { syncHandlers } from './handlers.ts';
import { openAgentStore } from './store.ts';

let loaded: LoadedConfig;
try {
  loaded = loadConfig({ argv: Bun.argv.slice(2) });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`sync-agent: configuration error\n${err.message}`);
  process.exit(2);
}
const { config } = loaded;
const logger = createLogger({
  service: 'sync-agent',
  level: config.logging.level,
  logsDir: config.paths.logs_dir,
});
logger.info({ config: loaded.path, source: loaded.source, pid: process.pid }, 'sync-agent: starting');

const store = openAgentStore(storePath(config));
// Events are fire-and-forget (dropped while the broker is away); screens also ask sync.status.
const events = new Publisher({ endpoint: config.ipc.event_pub });
const agent = new SyncAgent({
  store,
  backend: config.backend,
  logger,
  stationId: config.station.id,
  onStatusChange: (data) => {
    events.publish({ type: 'sync_status', data }).catch((err: unknown) => {
      logger.warn({ err: describe(err) }, 'sync-agent: publishing sync_status failed');
    });
  },
});
const worker = serve({
  endpoint: config.ipc.service_bus,
  service: 'sync',
  handlers: syncHandlers(agent),
  logger,
});
agent.start();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'sync-agent: stopping');
  try {
    // Off the bus first, so that no request reaches an agent that is stopping.
    await worker.close();
    await agent.stop();
  } finally {
    events.close();
    store.close();
  }
  logger.info('sync-agent: stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
