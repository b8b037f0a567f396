// Health check of one service for container orchestrators: exits 0 when it answers, 1 otherwise.
import { BusClient } from '@station/bus';
import { ConfigError, loadConfig } from '@station/config';
import { type CliSpec, parseCliOrExit } from '@station/service';
import { isReady, SERVICES, type ServiceName } from './launcher.ts';

const cli: CliSpec = {
  command: 'bun apps/launcher/src/healthcheck.ts',
  summary: 'Exits 0 when the service answers (for container health checks), 1 when it does not.',
  positionals: [{ name: 'service', description: 'the service to ask', choices: SERVICES }],
};
const { positionals } = parseCliOrExit(cli);
const name: ServiceName | undefined = SERVICES.find((s) => s === positionals[0]);
if (!name) throw new Error('unreachable: parseCliOrExit checked <service> against SERVICES');
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
