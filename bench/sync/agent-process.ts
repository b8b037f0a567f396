// The agent under benchmark, alone in its process so its memory is its own:
//   bun agent-process.ts <store> <url> <apiKey> <json options>
// Prints one JSON line per sample: { rss, heapUsed, t } (bytes, ms since start); exits on SIGTERM.
import { createLogger } from '@station/log';
import { SyncAgent } from '../../apps/sync-agent/src/agent.ts';
import { openAgentStore } from '../../apps/sync-agent/src/store.ts';

const [storePath, url, apiKey, json] = Bun.argv.slice(2);
if (!storePath || !url || !apiKey) throw new Error('usage: agent-process.ts <store> <url> <apiKey> [json]');
const o = JSON.parse(json ?? '{}') as { concurrency?: number; batchSize?: number; sampleMs?: number };

const store = openAgentStore(storePath);
const agent = new SyncAgent({
  store,
  backend: {
    url,
    api_key: apiKey,
    sync_interval: 1_000,
    timeout: 10_000,
    retry_base: 1_000,
    retry_cap: 60_000,
    health_interval: 1_000,
  },
  logger: createLogger({ service: 'sync-bench', level: 'warn', stdout: false }),
  concurrency: o.concurrency,
  batchSize: o.batchSize,
});

const t0 = performance.now();
const sample = () => {
  const m = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, t: Math.round(performance.now() - t0) })}\n`,
  );
};
sample();
const timer = setInterval(sample, o.sampleMs ?? 200);
agent.start();

process.on('SIGTERM', async () => {
  clearInterval(timer);
  await agent.stop();
  store.close();
  process.exit(0);
});
