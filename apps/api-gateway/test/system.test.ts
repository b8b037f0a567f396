// /api/system: station info, the health fold (healthy / degraded / unhealthy), and sync on demand.
import { afterEach, describe, expect, test } from 'bun:test';
import { BusError } from '@station/bus/errors';
import { parseExposition, sampleValue } from '../../../tests/support/metrics.ts';
import { DISK_BYTES, type Harness, harness, json } from './support.ts';

const MB = 1024 * 1024;

let h: Harness | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  h = undefined;
});

const syncStatus = {
  mode: 'online' as const,
  backendConnected: true,
  deliveryFailingSince: null,
  problems: [] as string[],
  pending: 3,
  inFlight: 0,
  rejected: 0,
  oldestPendingAge: 12,
  lastSuccessAt: null,
  lastError: null,
};

/** Every service answering; the Backend configured and connected. */
function allUp(x: Harness): void {
  x.bus.on('broker', 'ping', () => ({ uptime: 1, services: ['supervisor', 'sync'] }));
  x.bus.on('supervisor', 'health', () => ({ service: 'supervisor', pid: 1, uptime: 1, logLinesDropped: 0 }));
  x.bus.on('sync', 'health', () => ({ service: 'sync', pid: 2, uptime: 1, logLinesDropped: 0 }));
  x.bus.on('sync', 'sync.status', () => syncStatus);
}

const ONLINE_YAML = `
station: { id: station-t, name: Test Station }
backend: { url: "http://127.0.0.1:9" }
paths: { data_dir: ./data, sequences_dir: ./sequences }
`;

describe('GET /api/system/info', () => {
  test('station, version, uptime, batch count, config path and folders', async () => {
    h = await harness();
    expect(await json(h.req('GET', '/api/system/info'))).toEqual({
      status: 200,
      body: {
        id: 'station-t',
        name: 'Test Station',
        description: '',
        version: '1.2.3',
        uptime: 0,
        batchCount: 2,
        configPath: `${h.dir}/station.yaml`,
        paths: {
          dataDir: `${h.dir}/data`,
          sequencesDir: `${h.dir}/sequences`,
          logsDir: `${h.dir}/data/logs`,
        },
        ui: { language: null },
      },
    });
  });

  test("the UI's language from station.yaml ui.language", async () => {
    h = await harness({ yaml: `${ONLINE_YAML}ui: { language: ko }\n` });
    const res = await json(h.req('GET', '/api/system/info'));
    expect(res.body).toMatchObject({ ui: { language: 'ko' } });
  });
});

describe('GET /api/system/health', () => {
  test('healthy when every part answers', async () => {
    h = await harness({ yaml: ONLINE_YAML });
    allUp(h);
    expect(await json(h.req('GET', '/api/system/health'))).toEqual({
      status: 200,
      body: {
        status: 'healthy',
        reasons: [],
        backend_connected: true,
        timestamp: '2026-01-01T00:00:00.000Z',
        services: { broker: { reachable: true }, supervisor: { reachable: true }, sync: { reachable: true } },
        database: { writable: true },
        disk: {
          path: `${h.dir}/data`,
          usedPercent: 50,
          thresholdPercent: 80,
          ok: true,
          level: 'ok',
          freeBytes: DISK_BYTES / 2,
          totalBytes: DISK_BYTES,
          minFreeBytes: 200 * MB,
          warnFreeBytes: 1024 * MB,
        },
        sync: { mode: 'online', pending: 3, rejected: 0, deliveryFailingSince: null, lastError: null },
        logs: { droppedLines: 0, byService: { 'api-gateway': 0, supervisor: 0, sync: 0 } },
      },
    });
  });

  test("degraded with the sync agent's reasons; backend_connected is the agent's verdict", async () => {
    h = await harness({ yaml: ONLINE_YAML });
    allUp(h);
    const problems = [
      'deliveries failing since 2026-01-01T00:00:00.000Z: HTTP 500',
      '2 results rejected by the Backend',
    ];
    h.bus.on('sync', 'sync.status', () => ({
      ...syncStatus,
      backendConnected: false,
      deliveryFailingSince: '2026-01-01T00:00:00.000Z',
      rejected: 2,
      problems,
      lastError: 'HTTP 500',
    }));
    const { status, body } = await json(h.req('GET', '/api/system/health'));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'degraded',
      reasons: problems,
      backend_connected: false,
      sync: { rejected: 2, deliveryFailingSince: '2026-01-01T00:00:00.000Z', lastError: 'HTTP 500' },
    });
  });

  test('offline mode (no backend.url) is not a fault', async () => {
    h = await harness();
    allUp(h);
    h.bus.on('sync', 'sync.status', () => ({ ...syncStatus, mode: 'offline', backendConnected: false }));
    expect((await json(h.req('GET', '/api/system/health'))).body).toMatchObject({
      status: 'healthy',
      backend_connected: false,
    });
  });

  test('degraded when the disk is past 80 %', async () => {
    h = await harness();
    allUp(h);
    h.probes.usedRatio = 0.85;
    expect((await json(h.req('GET', '/api/system/health'))).body).toMatchObject({
      status: 'degraded',
      reasons: ['disk 85 % full (threshold 80 %)'],
      disk: { usedPercent: 85, ok: false },
    });
  });

  test('degraded when the sync agent is away', async () => {
    h = await harness();
    allUp(h);
    h.bus.off('sync', 'sync.status');
    expect((await json(h.req('GET', '/api/system/health'))).body).toMatchObject({
      status: 'degraded',
      reasons: ['sync agent unreachable: SERVICE_UNAVAILABLE: no live worker for sync'],
      backend_connected: false,
      services: { sync: { reachable: false, error: 'SERVICE_UNAVAILABLE: no live worker for sync' } },
      sync: null,
    });
  });

  test('unhealthy (503) when the supervisor times out', async () => {
    h = await harness();
    allUp(h);
    h.bus.on('supervisor', 'health', () => {
      throw new BusError('TIMEOUT', 'supervisor health: no reply within 1500 ms');
    });
    const { status, body } = await json(h.req('GET', '/api/system/health'));
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: 'unhealthy',
      services: {
        supervisor: { reachable: false, error: 'TIMEOUT: supervisor health: no reply within 1500 ms' },
      },
    });
  });

  test('unhealthy (503) when the database is not writable', async () => {
    h = await harness();
    allUp(h);
    h.probes.db = { ok: false, error: 'attempt to write a readonly database' };
    expect(await json(h.req('GET', '/api/system/health'))).toMatchObject({
      status: 503,
      body: {
        status: 'unhealthy',
        database: { writable: false, error: 'attempt to write a readonly database' },
      },
    });
  });

  test('every check runs with the short health deadline', async () => {
    h = await harness();
    allUp(h);
    await h.req('GET', '/api/system/health');
    expect(h.bus.calls.map((c) => [c.service, c.method, c.timeoutMs]).sort()).toEqual([
      ['broker', 'ping', 1500],
      ['runner.batch_1', 'health', 1500],
      ['runner.batch_2', 'health', 1500],
      ['supervisor', 'health', 1500],
      ['sync', 'health', 1500],
      ['sync', 'sync.status', 1500],
    ]);
  });
});

describe('health and the disk', () => {
  test('below storage.warn_free_mb: degraded, with the free space and the limit in the reason', async () => {
    h = await harness();
    allUp(h);
    h.probes.freeBytes = 900 * MB;
    expect(await json(h.req('GET', '/api/system/health'))).toMatchObject({
      status: 200,
      body: {
        status: 'degraded',
        disk: { ok: false, level: 'warn', freeBytes: 900 * MB, minFreeBytes: 200 * MB },
        reasons: [
          `disk almost full: 900.0 MB free on ${h.dir}/data; starts are refused below 200.0 MB (storage.min_free_mb)`,
        ],
      },
    });
  });

  test('below storage.min_free_mb: still degraded (not a 503 that would restart services), starts refused', async () => {
    h = await harness();
    allUp(h);
    h.probes.freeBytes = 150 * MB;
    expect(await json(h.req('GET', '/api/system/health'))).toMatchObject({
      status: 200,
      body: {
        status: 'degraded',
        disk: { level: 'low', freeBytes: 150 * MB },
        reasons: [
          `only 150.0 MB free on ${h.dir}/data, below the 200.0 MB needed to start a sequence (storage.min_free_mb)`,
        ],
      },
    });
  });

  test("log lines dropped by any process are counted per service, from each one's health answer", async () => {
    h = await harness();
    allUp(h);
    h.bus.on('sync', 'health', () => ({ service: 'sync', pid: 2, uptime: 1, logLinesDropped: 7 }));
    h.bus.on('runner.batch_2', 'health', () => ({
      service: 'runner.batch_2',
      pid: 3,
      uptime: 1,
      logLinesDropped: 5,
    }));
    const { body } = await json(h.req('GET', '/api/system/health'));
    expect((body as { logs: unknown }).logs).toEqual({
      droppedLines: 12,
      byService: { 'api-gateway': 0, supervisor: 0, sync: 7, 'runner.batch_2': 5 },
    });
    // In /metrics each process reports its own count in its `metrics` answer, next to the free space.
    const dropped = (service: string, value: number) => [
      {
        name: 'station_log_lines_dropped',
        help: 'Log lines this process could not write.',
        type: 'gauge',
        aggregator: 'sum',
        values: [{ value, labels: { service } }],
      },
    ];
    h.bus.on('sync', 'metrics', () => dropped('sync', 7));
    h.bus.on('runner.batch_2', 'metrics', () => dropped('runner.batch_2', 5));
    h.probes.freeBytes = 300 * MB;
    const m = parseExposition(await (await h.req('GET', '/metrics')).text());
    expect(sampleValue(m, 'station_disk_free_bytes')).toBe(314572800);
    expect(sampleValue(m, 'station_disk_min_free_bytes')).toBe(209715200);
    expect(sampleValue(m, 'station_log_lines_dropped', { service: 'sync' })).toBe(7);
    expect(sampleValue(m, 'station_log_lines_dropped', { service: 'runner.batch_2' })).toBe(5);
    expect(sampleValue(m, 'station_log_lines_dropped', { service: 'api-gateway' })).toBe(0);
  });
});

describe('POST /api/system/sync', () => {
  test('answers the SyncResult of sync.now', async () => {
    h = await harness();
    h.bus.on('sync', 'sync.now', (body) => ({
      synced: 2,
      failed: 0,
      rejected: body && (body as { retryRejected?: boolean }).retryRejected ? 1 : 0,
      pending: 0,
    }));
    expect(await json(h.req('POST', '/api/system/sync'))).toEqual({
      status: 200,
      body: { synced: 2, failed: 0, rejected: 0, pending: 0 },
    });
    expect(await json(h.req('POST', '/api/system/sync', { body: { retryRejected: true } }))).toEqual({
      status: 200,
      body: { synced: 2, failed: 0, rejected: 1, pending: 0 },
    });
  });

  test('503 without a sync agent', async () => {
    h = await harness();
    expect((await json(h.req('POST', '/api/system/sync'))).status).toBe(503);
  });
});
