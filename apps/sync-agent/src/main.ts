// The sync agent process: reads station.yaml, opens the store, drains sync_queue to the Backend until
// SIGTERM/SIGINT, then stops claiming, finishes or releases what is in flight and exits 0.
// Exit 2: the configuration is wrong (nothing to retry until a person fixes it).
import { ConfigError, type LoadedConfig, loadConfig, storePath } from '@station/config';
import { createLogger } from '@station/log';
import { SyncAgent } from './agent.ts';
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
const agent = new SyncAgent({ store, backend: config.backend, logger, stationId: config.station.id });
const handlers = syncHandlers(agent);
agent.start();

// BUS: wire the `sync` service here once @station/bus (and packages/zmtp under it) is in, e.g.
//   const worker = serve({ endpoint: config.ipc.service_bus, service: 'sync', handlers, logger });
// publish `sync_status` events from SyncAgent's onStatusChange option, and close `worker` first in
// shutdown() below, so that no request reaches a stopping agent.
void handlers;

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'sync-agent: stopping');
  try {
    await agent.stop();
  } finally {
    store.close();
  }
  logger.info('sync-agent: stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
