// /metrics of a whole station as the launcher runs it: after a run, one scrape of the gateway shows that
// run counted by verdict for its batch, its steps in a duration histogram, the supervisor's view of each
// runner, the broker's queues and the sync agent's deliveries; a service that is gone or frozen is
// `station_service_up 0` while the scrape still answers, and the Grafana dashboard asks only for what the
// station exposes.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestBackend } from '../backend/server.ts';
import { dashboardMetricNames, knownFamily } from '../support/grafana.ts';
import { type Exposition, parseExposition, sampleValue, series } from '../support/metrics.ts';
import { type FixtureProcess, freePort, spawnFixture, until } from '../support/process.ts';
import { REPO, type TempStation, tempStation } from '../support/station.ts';

setDefaultTimeout(180_000);

const RUN = 'slot_1';
const IDLE = 'slot_2';

let st: TempStation;
let backend: TestBackend;
let base: string;

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: (await res.json()) as T };
}

async function scrape(): Promise<{ status: number; ms: number; m: Exposition }> {
  const t0 = performance.now();
  const res = await fetch(`${base}/metrics`);
  const text = await res.text();
  return { status: res.status, ms: performance.now() - t0, m: parseExposition(text) };
}

/** The pid of the station process whose command line contains `script` (and this station's config). */
function pidOf(script: string): number | undefined {
  const ps = Bun.spawnSync(['ps', '-eo', 'pid=,args=']).stdout.toString();
  const line = ps.split('\n').find((l) => l.includes(script) && l.includes(st.configPath));
  return line ? Number.parseInt(line.trim(), 10) : undefined;
}

beforeAll(async () => {
  backend = await TestBackend.start({ apiKey: 'metrics-test-key' });
  const port = freePort();
  base = `http://127.0.0.1:${port}`;
  st = tempStation({
    packages: [join(REPO, 'apps/batch-runner/test/packages/runner_test')],
    extraYaml: [
      `server: { port: ${port} }`,
      `backend: { url: "${backend.url}", api_key: metrics-test-key, sync_interval: 1s, timeout: 2s, retry_base: 200ms, retry_cap: 1s, health_interval: 300ms }`,
    ].join('\n'),
    batchesYaml: [RUN, IDLE]
      .map(
        (id) => `  - id: ${id}
    sequence_package: runner_test
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    auto_start: true
    limits: { memory_mb: 1024 }`,
      )
      .join('\n'),
  });
  const launcher: FixtureProcess = st.track(
    spawnFixture(join(REPO, 'scripts/station-launcher.ts'), ['--config', st.configPath]),
  );
  await launcher.waitFor(/^Station .* ready: UI /, 90_000);
  await until(
    async () => {
      const { body } = await api<{ id: string; status: string }[]>('/api/batches');
      return body.filter((b) => b.status === 'running').length === 2;
    },
    'both batches running',
    90_000,
    250,
  );
});

afterAll(async () => {
  const sync = st ? pidOf('apps/sync-agent/src/main.ts') : undefined;
  if (sync) process.kill(sync, 'SIGCONT');
  await st?.cleanup();
  await backend?.stop();
});

describe('/metrics of the whole station', () => {
  let after: Exposition;

  test('after a run: its verdict, its steps, the runners, the broker and the delivery', async () => {
    const { status, body } = await api<{ executionId: string }>(`/api/batches/${RUN}/sequence/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ parameters: { wait_ms: 0 } }),
    });
    expect(status).toBe(200);
    const result = await until(
      async () => {
        const r = await api<{ status: string; overallPass: boolean; steps: unknown[] }>(
          `/api/results/${body.executionId}`,
        );
        return r.status === 200 && r.body.status !== 'running' ? r.body : undefined;
      },
      'the run to finish',
      60_000,
      100,
    );
    const verdict = result.overallPass ? 'pass' : 'fail';
    // Counted by the runner as it publishes; delivered by the sync agent a moment later.
    const m = await until(
      async () => {
        const s = await scrape();
        const synced = series(s.m, 'station_sync_deliveries_total', { outcome: 'synced' });
        return synced.length === 1 && synced[0]!.value >= 1 ? s.m : undefined;
      },
      'the result to be delivered',
      30_000,
      200,
    );
    after = m;

    // Per batch, from the runner: one run with its verdict, none on the idle batch; a histogram per step.
    expect(sampleValue(m, 'station_runs_total', { batch: RUN, verdict })).toBe(1);
    expect(series(m, 'station_runs_total', { batch: RUN }).reduce((n, s) => n + s.value, 0)).toBe(1);
    expect(sampleValue(m, 'station_runs_total', { batch: IDLE, verdict: 'pass' })).toBe(0);
    expect(m.types.get('station_step_duration_seconds')).toBe('histogram');
    for (const step of ['setup', 'measure', 'wait', 'power_off']) {
      const labels = { batch: RUN, step };
      expect(sampleValue(m, 'station_step_duration_seconds_count', labels)).toBe(1);
      expect(sampleValue(m, 'station_step_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(1);
    }
    expect(sampleValue(m, 'station_run_duration_seconds_count', { batch: RUN })).toBe(1);
    // Every series of the runner says which process reports it.
    expect(series(m, 'station_runs_total', { batch: RUN })[0]!.labels.service).toBe(`runner.${RUN}`);

    // From the supervisor: each runner's state, memory against its limit, restarts.
    for (const batch of [RUN, IDLE]) {
      expect(sampleValue(m, 'station_batch_state', { batch, state: 'running' })).toBe(1);
      expect(sampleValue(m, 'station_batch_state', { batch, state: 'error' })).toBe(0);
      expect(sampleValue(m, 'station_runner_resident_memory_bytes', { batch })).toBeGreaterThan(1024 * 1024);
      expect(sampleValue(m, 'station_runner_memory_limit_bytes', { batch })).toBe(1024 * 1024 * 1024);
      expect(sampleValue(m, 'station_runner_restarts_total', { batch })).toBe(0);
    }

    // From the broker: the workers, the requests it routed to the runner, its queues.
    expect(sampleValue(m, 'station_broker_workers', { service: 'broker' })).toBeGreaterThanOrEqual(4);
    expect(
      sampleValue(m, 'station_broker_requests_total', { target: `runner.${RUN}`, outcome: 'routed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'station_broker_events_total')).toBeGreaterThan(0);
    expect(series(m, 'station_broker_pending_requests', { target: 'supervisor' })).toHaveLength(1);

    // From the sync agent: the queue by state, the delivery's round trip and lag, no failures.
    expect(sampleValue(m, 'station_sync_queue_depth', { state: 'pending' })).toBe(0);
    expect(sampleValue(m, 'station_sync_delivery_duration_seconds_count', { outcome: 'synced' })).toBe(1);
    expect(sampleValue(m, 'station_sync_delivery_lag_seconds_count')).toBe(1);
    expect(series(m, 'station_sync_failures_total')).toEqual([]);
    expect(m.types.get('station_sync_failures_total')).toBe('counter');

    // Every process answered, each with its default process metrics.
    const services = ['api-gateway', 'broker', 'supervisor', 'sync', `runner.${RUN}`, `runner.${IDLE}`];
    for (const service of services) {
      expect(sampleValue(m, 'station_service_up', { service })).toBe(1);
      expect(sampleValue(m, 'process_resident_memory_bytes', { service })).toBeGreaterThan(0);
    }
  });

  test('the Grafana dashboard asks only for metrics this station exposes', () => {
    const dashboard = JSON.parse(readFileSync(join(REPO, 'docs/grafana/station.json'), 'utf8'));
    const exposed = new Map(after.types);
    const unknown = dashboardMetricNames(dashboard).filter((name) => !knownFamily(name, exposed));
    expect(unknown).toEqual([]);
  });

  test('a stopped runner and a frozen sync agent are up 0; the scrape still answers, quickly', async () => {
    const stop = await api<{ status: string }>(`/api/batches/${IDLE}/stop`, { method: 'POST' });
    expect(stop.status).toBe(200);
    await until(
      async () => (await api<{ status: string }>(`/api/batches/${IDLE}`)).body.status === 'idle',
      `${IDLE} stopped`,
      30_000,
    );
    const sync = pidOf('apps/sync-agent/src/main.ts');
    expect(sync).toBeNumber();
    process.kill(sync!, 'SIGSTOP');
    try {
      const { status, ms, m } = await scrape();
      expect(status).toBe(200);
      // One metrics deadline (1 s) for every silent service together, not one each; generous on a busy box.
      expect(ms).toBeLessThan(5000);
      expect(sampleValue(m, 'station_service_up', { service: `runner.${IDLE}` })).toBe(0);
      expect(sampleValue(m, 'station_service_up', { service: 'sync' })).toBe(0);
      expect(sampleValue(m, 'station_service_up', { service: 'supervisor' })).toBe(1);
      expect(sampleValue(m, 'station_service_up', { service: `runner.${RUN}` })).toBe(1);
      // What the silent ones would have said is missing; what the others said is still there.
      expect(series(m, 'station_sync_queue_depth')).toEqual([]);
      expect(series(m, 'station_runs_total', { batch: IDLE })).toEqual([]);
      expect(sampleValue(m, 'station_runs_total', { batch: RUN, verdict: 'pass' })).toBeGreaterThanOrEqual(0);
      expect(sampleValue(m, 'station_batch_state', { batch: IDLE, state: 'idle' })).toBe(1);
      expect(series(m, 'station_runner_resident_memory_bytes', { batch: IDLE })).toEqual([]);
    } finally {
      process.kill(sync!, 'SIGCONT');
    }
    // Back once it answers again.
    await until(
      async () => sampleValue((await scrape()).m, 'station_service_up', { service: 'sync' }) === 1,
      'the sync agent to answer again',
      20_000,
      200,
    );
  });
});
