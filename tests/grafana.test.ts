// docs/grafana/station.json: it parses, every panel queries the station's Prometheus data source, and every
// metric its PromQL names is one that a station registry defines (the system test checks the same against
// a real scrape, tests/system/metrics.test.ts).
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '@station/db';
import { GatewayMetrics } from '../apps/api-gateway/src/metrics/gateway-metrics.ts';
import { RunnerMetrics } from '../apps/batch-runner/src/metrics.ts';
import { supervisorMetrics } from '../apps/batch-supervisor/src/metrics.ts';
import { BrokerMetrics } from '../apps/broker/src/metrics.ts';
import { SyncMetrics } from '../apps/sync-agent/src/metrics.ts';
import { dashboardExpressions, dashboardMetricNames, knownFamily } from './support/grafana.ts';

const REPO = join(import.meta.dir, '..');
const dashboard = JSON.parse(readFileSync(join(REPO, 'docs/grafana/station.json'), 'utf8'));

/** Every family the station's registries define, with its type (as `# TYPE` would say). */
async function stationFamilies(): Promise<Map<string, string>> {
  const store = openStore(':memory:');
  try {
    const clock = { now: () => 0 };
    const registries = [
      new GatewayMetrics(store, 0, clock.now).registry,
      new RunnerMetrics('batch_1').registry,
      supervisorMetrics({ get: () => Promise.reject(new Error('no batches here')) }, { batches: [] })
        .registry,
      new SyncMetrics(store, clock).registry,
      new BrokerMetrics(() => ({ workers: 0, pending: {} })).registry,
    ];
    const families = new Map<string, string>();
    for (const r of registries)
      for (const f of await r.getMetricsAsJSON()) families.set(f.name, String(f.type));
    return families;
  } finally {
    store.close();
  }
}

describe('the Grafana dashboard', () => {
  test('is a dashboard whose panels all query the Prometheus data source', () => {
    expect(dashboard.title).toBe('Station Service');
    const panels = (
      dashboard.panels as { type: string; datasource?: { uid: string }; targets?: unknown[] }[]
    ).filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const p of panels) {
      // Grafana's import placeholder for the data source chosen when the dashboard is imported.
      expect(p.datasource?.uid).toBe(`\${DS_PROMETHEUS}`);
      expect(p.targets?.length).toBeGreaterThan(0);
    }
  });

  test('every expression names at least one station metric', () => {
    const bare = dashboardExpressions(dashboard).filter(
      ({ expr }) =>
        expr !== 'prometheus' && dashboardMetricNames({ panels: [{ targets: [{ expr }] }] }).length === 0,
    );
    expect(bare).toEqual([]);
  });

  test('asks only for metrics the station defines, and shows what the issue asks for', async () => {
    const families = await stationFamilies();
    const names = dashboardMetricNames(dashboard);
    expect(names.filter((n) => !knownFamily(n, families))).toEqual([]);
    for (const wanted of [
      'station_runs_total',
      'station_step_duration_seconds_bucket',
      'station_runner_resident_memory_bytes',
      'station_runner_restarts_total',
      'station_broker_pending_requests',
      'station_sync_queue_depth',
      'station_sync_delivery_duration_seconds_bucket',
      'station_sync_failures_total',
    ])
      expect(names).toContain(wanted);
  });

  test('a name the station does not define is caught', () => {
    const families = new Map([
      ['station_runs_total', 'counter'],
      ['station_step_duration_seconds', 'histogram'],
    ]);
    const names = dashboardMetricNames({
      panels: [
        {
          targets: [
            {
              expr: 'histogram_quantile(0.95, sum by (le) (rate(station_step_duration_seconds_bucket[5m])))',
            },
            { expr: 'sum(station_runs_total{verdict="station_not_a_metric"}) / station_run_total' },
          ],
        },
      ],
    });
    expect(names).toEqual([
      'station_run_total',
      'station_runs_total',
      'station_step_duration_seconds_bucket',
    ]);
    expect(names.filter((n) => !knownFamily(n, families))).toEqual(['station_run_total']);
  });
});
