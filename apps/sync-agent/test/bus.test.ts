// The shipped process on the real station bus: the broker app and the sync agent's main.ts as child
// processes, a BusClient asking `sync.status` / `sync.now`, and a Subscriber receiving
// `system.sync_status` events while the Backend goes from away to back.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusClient, type ReceivedEvent, Subscriber } from '@station/bus';
import { loadConfig, type StationConfig } from '@station/config';
import type { SyncStatus } from '@station/model';
import type { Subprocess } from 'bun';
import { TestBackend } from '../../../tests/backend/server.ts';
import { seedExecutions, type TempStore, tempStore, until } from './support.ts';

const MAIN = join(import.meta.dir, '..', 'src', 'main.ts');
const BROKER = join(import.meta.dir, '..', '..', 'broker', 'src', 'main.ts');

let backend: TestBackend;
let tmp: TempStore;
const procs: Subprocess[] = [];
const closers: (() => void)[] = [];

beforeEach(async () => {
  backend = await TestBackend.start();
  tmp = tempStore();
});
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  for (const p of procs.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
  await backend.stop();
  tmp.dispose();
});

function writeConfig(): { path: string; config: StationConfig } {
  mkdirSync(join(tmp.dir, 'sequences'), { recursive: true });
  const path = join(tmp.dir, 'station.yaml');
  writeFileSync(
    path,
    [
      'station:',
      '  id: station-bus',
      'backend:',
      `  url: ${backend.url}`,
      `  api_key: ${backend.apiKey}`,
      '  sync_interval: 50ms',
      '  health_interval: 50ms',
      '  retry_base: 50ms',
      '  retry_cap: 200ms',
      '  timeout: 2s',
      'paths:',
      `  data_dir: ${tmp.dir}`,
      '  sequences_dir: ./sequences',
      'logging:',
      '  level: warn',
      '',
    ].join('\n'),
  );
  return { path, config: loadConfig({ argv: ['--config', path] }).config };
}

function spawn(script: string, configPath: string): Subprocess {
  const proc = Bun.spawn([process.execPath, script, '--config', configPath], {
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'inherit',
  });
  procs.push(proc);
  return proc;
}

test('sync.status and sync.now over the broker; sync_status events as the Backend returns', async () => {
  await backend.down();
  seedExecutions(tmp.store, 2);
  const { path, config } = writeConfig();
  const broker = spawn(BROKER, path);
  const socket = config.ipc.service_bus.slice('ipc://'.length);
  await until('broker listening', () => existsSync(socket), 15_000);
  const agent = spawn(MAIN, path);

  const client = new BusClient({ endpoint: config.ipc.service_bus, timeoutMs: 2_000 });
  closers.push(() => client.close());
  let status: SyncStatus | undefined;
  const deadline = Date.now() + 15_000;
  while (!status) {
    status = await client.request('sync', 'sync.status', {}).catch(() => undefined);
    if (!status && Date.now() > deadline) throw new Error('sync service never answered');
    if (!status) await Bun.sleep(50);
  }
  expect(status).toEqual({
    mode: 'online',
    backendConnected: false,
    deliveryFailingSince: null,
    problems: [expect.stringMatching(/^Backend unreachable/)],
    pending: 2,
    inFlight: 0,
    rejected: 0,
    oldestPendingAge: expect.any(Number),
    lastSuccessAt: null,
    lastError: expect.any(String),
  });

  const events: SyncStatus[] = [];
  const sub = new Subscriber({ endpoint: config.ipc.event_sub, prefixes: ['system.sync_status'] });
  closers.push(() => sub.close());
  void (async () => {
    for await (const { event } of sub as AsyncIterable<ReceivedEvent>) {
      if (event.type === 'sync_status') events.push(event.data);
    }
  })();
  // A manual run while the Backend is away fails and publishes; repeat until the subscription is live.
  await until(
    'a sync_status event',
    () => {
      if (events.length === 0) void client.request('sync', 'sync.now', {}).catch(() => undefined);
      return events.length > 0;
    },
    15_000,
  );

  await backend.up();
  await until('all delivered', () => backend.stats().results === 2, 15_000);
  await until('an event saying so', () => events.some((e) => e.pending === 0 && e.backendConnected), 15_000);
  expect(await client.request('sync', 'sync.now', { retryRejected: true })).toEqual({
    synced: 0,
    failed: 0,
    rejected: 0,
    pending: 0,
  });

  agent.kill('SIGTERM');
  broker.kill('SIGTERM');
  expect([await agent.exited, await broker.exited]).toEqual([0, 0]);
}, 60_000);
