// Test fixture: a worker serving `supervisor` with handlers that echo, fail in each way, or stall (and say
// so on stdout when a stall begins).
import { BusError, serve } from '../src/index.ts';

const [endpoint, hb] = process.argv.slice(2);
if (!endpoint) throw new Error('usage: worker-fixture <serviceBusEndpoint> [heartbeatMs]');
const started = Date.now();
const log = {
  debug() {},
  info() {},
  warn() {},
  error: (o: object, m?: string) => console.error(m, String((o as { err?: unknown }).err)),
};

const worker = serve({
  endpoint,
  service: 'supervisor',
  logger: log,
  heartbeatMs: Number(hb ?? 200),
  handlers: {
    health: () => ({ service: 'supervisor', pid: process.pid, uptime: (Date.now() - started) / 1000 }),
    metrics: () => [],
    'batch.list': () => [{ id: 'batch_1', name: 'Slot 1', status: 'idle' as const }],
    'batch.get': async ({ batchId }) => {
      if (batchId === 'missing')
        throw new BusError('NOT_FOUND', `no batch ${batchId}`, { details: { batchId } });
      if (batchId === 'boom') throw new Error('database password is hunter2');
      if (batchId.startsWith('slow')) {
        console.log(`HANDLING ${batchId}`); // the test now knows the request reached the handler
        await Bun.sleep(Number(batchId.slice(4)) || 3000);
      }
      return {
        id: batchId,
        name: `name of ${batchId}`,
        status: 'idle' as const,
        sequencePackage: 'psu_functional',
        autoStart: false,
        hardware: {},
        parameters: {},
        manualCommands: [],
        restarts: 0,
      };
    },
    'batch.start': () => ({ status: 'running', pid: process.pid }),
    'batch.stop': () => ({ status: 'idle' }),
    // Deliberately breaks the reply schema, to show the client rejects it.
    'batch.restart': () => ({ status: 'running' }) as unknown as { status: string; pid: number },
    // Versions are not this fixture's concern (apps/api-gateway/test/versions.test.ts tests the real ones).
    'batch.version': ({ batchId }) => {
      throw new BusError('NOT_FOUND', `no versions of ${batchId} in this fixture`);
    },
    'batch.pin': ({ batchId }) => {
      throw new BusError('NOT_FOUND', `no versions of ${batchId} in this fixture`);
    },
  },
});
if (await worker.ready(10_000)) console.log(`READY ${process.pid}`);
else console.log('NOT REGISTERED');
process.on('SIGTERM', async () => {
  await worker.close();
  process.exit(0);
});
