// /api/system/health tells the truth about the Backend, through the real gateway, sync agent and test
// Backend: a Backend whose /api/health answers 200 while every delivery fails is not "connected", and a
// result it rejected keeps the station degraded, with the reasons, until someone acts.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { openStore, type Store } from '@station/db';
import { seedExecutions } from '../../apps/sync-agent/test/support.ts';
import { TestBackend } from '../backend/server.ts';
import { type FixtureProcess, freePort, spawnFixture, until } from '../support/process.ts';
import { REPO, type TempStation, tempStation } from '../support/station.ts';

setDefaultTimeout(120_000);

interface Health {
  status: string;
  reasons: string[];
  backend_connected: boolean;
  sync: { rejected: number; deliveryFailingSince: string | null; lastError: string | null } | null;
}

let st: TempStation;
let backend: TestBackend;
let launcher: FixtureProcess;
let store: Store;
let base: string;

async function health(): Promise<Health> {
  return (await (await fetch(`${base}/api/system/health`)).json()) as Health;
}

beforeAll(async () => {
  backend = await TestBackend.start();
  const port = freePort();
  base = `http://127.0.0.1:${port}`;
  st = tempStation({
    packages: [],
    extraYaml: [
      `server: { port: ${port} }`,
      `backend: { url: "${backend.url}", api_key: ${backend.apiKey}, sync_interval: 200ms, timeout: 2s, retry_base: 100ms, retry_cap: 300ms, health_interval: 200ms }`,
    ].join('\n'),
    batchesYaml: '  []',
  });
  launcher = st.track(spawnFixture(join(REPO, 'apps/launcher/src/main.ts'), ['--config', st.configPath]));
  await launcher.waitFor(/^Station .* ready: UI /, 90_000);
  store = openStore(st.dbPath);
});

afterAll(async () => {
  store?.close();
  await launcher?.kill('SIGTERM');
  await st.cleanup();
  await backend.stop();
});

test('every delivery failing with 500 while /api/health says 200: degraded, not connected, since when', async () => {
  await until(async () => (await health()).status === 'healthy', 'a healthy station', 30_000, 100);
  backend.behave({ kind: 'status', status: 500 });
  seedExecutions(store, 3);
  const failing = await until(
    async () => {
      const h = await health();
      return h.sync?.deliveryFailingSince ? h : undefined;
    },
    'the deliveries to be seen failing',
    30_000,
    100,
  );
  const checks = backend.stats().healthChecks;
  // The probe keeps answering 200 meanwhile, and that changes nothing.
  await until(() => backend.stats().healthChecks > checks + 2, 'more health probes', 10_000, 50);
  const h = await health();
  const since = failing.sync?.deliveryFailingSince;
  expect(h.reasons).toEqual([`deliveries failing since ${since}: ${h.sync?.lastError}`]);
  expect(h.sync?.lastError).toStartWith('HTTP 500');
  expect(h).toMatchObject({
    status: 'degraded',
    backend_connected: false,
    sync: { deliveryFailingSince: since, rejected: 0 },
  });

  // The Backend takes results again: connected and healthy once one is accepted.
  await backend.reset();
  const back = await until(
    async () => {
      const x = await health();
      return x.status === 'healthy' ? x : undefined;
    },
    'healthy again',
    30_000,
    100,
  );
  expect(back).toMatchObject({ reasons: [], backend_connected: true, sync: { deliveryFailingSince: null } });
  expect(backend.stats().results).toBe(3);
});

test('a result the Backend rejected keeps the station degraded, with how many, while it stays connected', async () => {
  backend.behave({ kind: 'status', status: 422, body: '{"error":"serial number missing"}' }, 1);
  seedExecutions(store, 1, { start: Date.parse('2026-11-30T07:00:00.000Z') });
  const h = await until(
    async () => {
      const x = await health();
      return x.sync?.rejected === 1 ? x : undefined;
    },
    'the rejection to show',
    30_000,
    100,
  );
  expect(h.reasons).toHaveLength(1);
  expect(h.reasons[0]).toStartWith('1 result rejected by the Backend');
  expect(h).toMatchObject({
    status: 'degraded',
    backend_connected: true,
    sync: { lastError: 'HTTP 422: {"error":"serial number missing"}' },
  });
});
