// The sync agent process: reads station.yaml, opens the store, drains sync_queue to the Backend until
// SIGTERM/SIGINT, then stops claiming, finishes or releases what is in flight and exits 0.
import { loadConfig, storePath } from '@station/config';
import { createLogger } from '@station/log';
import { SyncAgent } from './agent.ts';
import { syncHandlers } from './handlers.ts';
import { openAgentStore } from './store.ts';

const { config, path, source } = loadConfig({ argv: Bun.argv.slice(2) });
const logger = createLogger({
  service: 'sync-agent',
  level: config.logging.level,
  logsDir: config.paths.logs_dir,
});
logger.info({ config: path, source }, 'sync-agent: configuration loaded');

const store = openAgentStore(storePath(config));
const agent = new SyncAgent({ store, backend: config.backend, logger, stationId: config.station.id });
const handlers = syncHandlers(agent);
agent.start();

// BUS: wire the `sync` service here once @station/bus is in, e.g.
//   const worker = serve({ endpoint: config.ipc.service_bus, service: 'sync', handlers, logger });
// and close `worker` first in shutdown() below, so no request reaches a stopping agent.
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
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
