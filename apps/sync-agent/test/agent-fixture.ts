// A sync agent in its own process, for the crash and two-agent tests:
//   bun agent-fixture.ts <store> <backendUrl> <apiKey> <json options>
// Prints "started <agentId>" once running; SIGTERM stops it gracefully, SIGKILL is the crash under test.
import { createLogger } from '@station/log';
import { SyncAgent } from '../src/agent.ts';
import { openAgentStore } from '../src/store.ts';

const [storePath, url, apiKey, json] = Bun.argv.slice(2);
if (!storePath || !url || !apiKey) throw new Error('usage: agent-fixture.ts <store> <url> <apiKey> [json]');
const o = JSON.parse(json ?? '{}') as {
  timeout?: number;
  leaseMs?: number;
  concurrency?: number;
  batchSize?: number;
};

const store = openAgentStore(storePath);
const agent = new SyncAgent({
  store,
  backend: {
    url,
    api_key: apiKey,
    sync_interval: 20,
    timeout: o.timeout ?? 500,
    retry_base: 20,
    retry_cap: 200,
    health_interval: 20,
  },
  logger: createLogger({ service: 'sync-fixture', level: 'warn', stdout: false }),
  leaseMs: o.leaseMs,
  concurrency: o.concurrency,
  batchSize: o.batchSize,
});
agent.start();
process.stdout.write(`started ${agent.agentId}\n`);

process.on('SIGTERM', async () => {
  await agent.stop({ deadlineMs: 1_000 });
  store.close();
  process.exit(0);
});
