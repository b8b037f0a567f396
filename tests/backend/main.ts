// Dev tool: runs the test Backend so a person can point a station at it and watch results arrive.
//   bun tests/backend/main.ts --port 9090 [--control-port 9091] [--api-key KEY] [--host 127.0.0.1]
// The API key defaults to $STATION_BACKEND_API_KEY, else `dev-key`.
import { parseArgs } from 'node:util';
import { CONTROL_ROUTES, controlHandler } from './control.ts';
import { TestBackend } from './server.ts';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    port: { type: 'string', default: '9090' },
    'control-port': { type: 'string' },
    'api-key': { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

const port = Number(values.port);
const apiKey = values['api-key'] ?? process.env.STATION_BACKEND_API_KEY ?? 'dev-key';
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

const backend = await TestBackend.start({
  port,
  hostname: values.host,
  apiKey,
  onResult: (r) => {
    const body = r.body as {
      sequenceName?: string;
      status?: string;
      overallPass?: boolean;
      steps?: unknown[];
    };
    log(
      `result #${r.seq + 1} ${r.key} ${body.sequenceName ?? '?'} ${body.status ?? '?'} ` +
        `pass=${String(body.overallPass)} steps=${body.steps?.length ?? 0}`,
    );
  },
});
const controlPort = values['control-port'] ? Number(values['control-port']) : backend.port + 1;
const control = Bun.serve({ port: controlPort, hostname: values.host, fetch: controlHandler(backend) });

log(`test backend listening on ${backend.url} (POST /api/v1/results, GET /api/health)`);
log(`control API on http://${values.host}:${control.port}:\n  ${CONTROL_ROUTES.join('\n  ')}`);

let lastDuplicates = 0;
const report = setInterval(() => {
  const s = backend.stats();
  if (s.duplicates !== lastDuplicates) {
    log(
      `re-deliveries so far: ${s.duplicates} (distinct results ${s.results}, conflicting ${s.duplicateResults})`,
    );
    lastDuplicates = s.duplicates;
  }
}, 1000);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    clearInterval(report);
    log(`stopping; ${JSON.stringify(backend.stats())}`);
    await backend.stop();
    await control.stop(true);
    process.exit(0);
  });
}
