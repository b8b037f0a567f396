// Health check of one service for container orchestrators: exits 0 when it answers, 1 otherwise.
// Usage: bun apps/launcher/src/healthcheck.ts <broker|batch-supervisor|sync-agent|api-gateway> [--config path]
import { BusClient } from '@station/bus';
import { ConfigError, loadConfig } from '@station/config';
import { isReady, SERVICES, type ServiceName } from './launcher.ts';

const name = process.argv[2] as ServiceName;
if (!SERVICES.includes(name)) {
  console.error(`usage: healthcheck <${SERVICES.join('|')}> [--config path]`);
  process.exit(2);
}
try {
  const { config } = loadConfig({ argv: process.argv.slice(3), env: process.env });
  const bus = new BusClient({ endpoint: config.ipc.service_bus, timeoutMs: 1000 });
  const ok = await isReady(config, name, bus).catch((err: unknown) => {
    console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  });
  bus.close();
  process.exit(ok ? 0 : 1);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : String(err));
  process.exit(1);
}
