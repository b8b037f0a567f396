// apps/api-gateway: the station's REST API, WebSocket events, metrics and operator UI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BusClient, Subscriber } from '@station/bus';
import { storePath } from '@station/config';
import { openStore } from '@station/db';
import { type CliSpec, runService } from '@station/service';
import pkg from '../package.json' with { type: 'json' };
import { createApp } from './app.ts';
import { defaultProbes } from './probes.ts';
import { sequenceCatalog } from './sequences.ts';
import { listen } from './server.ts';

// The built operator UI (bun apps/ui/build.ts); without it the gateway serves its placeholder page.
const BUILT_UI = fileURLToPath(new URL('../../ui/dist', import.meta.url));

const cli: CliSpec = {
  command: 'bun apps/api-gateway/src/main.ts',
  summary: "The station's REST API, WebSocket events, metrics and operator UI (server.host:server.port).",
  options: [
    {
      name: 'ui-dir',
      value: 'DIR',
      description: 'folder of the built UI (default: $STATION_UI_DIR, then apps/ui/dist)',
    },
  ],
  service: true,
};

await runService(
  'api-gateway',
  async ({ config, configPath, log, options }) => {
    const store = openStore(storePath(config));
    const bus = new BusClient({ endpoint: config.ipc.service_bus, logger: log });
    // One subscription to every batch and system event; the hub filters per client.
    const events = new Subscriber({
      endpoint: config.ipc.event_sub,
      prefixes: ['batch.', 'system.'],
      logger: log,
    });
    const gateway = await createApp({
      config,
      configPath,
      bus,
      store,
      sequences: sequenceCatalog(config.paths.sequences_dir),
      probes: defaultProbes(store.sqlite, config.paths.data_dir),
      logger: log,
      publicDir:
        options['ui-dir'] ??
        process.env.STATION_UI_DIR ??
        (existsSync(`${BUILT_UI}/index.html`) ? BUILT_UI : undefined),
      version: pkg.version,
    });
    const server = listen(gateway, {
      hostname: config.server.host,
      port: config.server.port,
      events,
      log,
    });
    return {
      async stop() {
        await server.stop();
        bus.close();
        store.close();
      },
    };
  },
  { cli },
);
