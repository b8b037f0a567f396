// /metrics in the Prometheus text format: HTTP by route template, bus round trips, store-derived gauges.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { BusError } from '@station/bus/errors';
import { until } from '../../../tests/support/process.ts';
import { Counter, Gauge, Histogram, Registry } from '../src/metrics/registry.ts';
import { type Harness, harness } from './support.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h[Symbol.asyncDispose]();
});

async function scrape(): Promise<string[]> {
  const res = await h.req('GET', '/metrics');
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return (await res.text()).split('\n');
}

describe('/metrics', () => {
  test('HTTP requests counted by route template (not the raw path) and status', async () => {
    h.bus.on('supervisor', 'batch.get', () => {
      throw new BusError('NOT_FOUND', 'no batch');
    });
    await h.req('GET', '/api/batches/a');
    await h.req('GET', '/api/batches/b');
    await h.req('GET', '/api/results');
    // Counted after each response is sent (onAfterResponse), so wait for the last one to land.
    const lines = (await until(async () => {
      const l = await scrape();
      return l.includes('station_http_requests_total{method="GET",route="/api/results",status="200"} 1')
        ? l
        : undefined;
    }, 'the /api/results request to be counted')) as string[];
    expect(lines).toContain(
      'station_http_requests_total{method="GET",route="/api/batches/:id",status="404"} 2',
    );
    expect(lines).toContain('station_http_requests_total{method="GET",route="/api/results",status="200"} 1');
    expect(lines).toContain(
      'station_http_request_duration_seconds_count{method="GET",route="/api/batches/:id",status="404"} 2',
    );
    expect(
      lines.some((l) =>
        l.startsWith(
          'station_http_request_duration_seconds_bucket{method="GET",route="/api/results",status="200",le="+Inf"} 1',
        ),
      ),
    ).toBe(true);
  });

  test('bus round trips by service kind, method and outcome', async () => {
    h.bus.on('runner.batch_1', 'sequence.stop', () => ({ status: 'stopping' }));
    await h.req('POST', '/api/batches/batch_1/sequence/stop');
    await h.req('GET', '/api/batches');
    const lines = await scrape();
    expect(lines).toContain(
      'station_bus_request_duration_seconds_count{service="runner",method="sequence.stop",outcome="ok"} 1',
    );
    expect(lines).toContain(
      'station_bus_request_duration_seconds_count{service="supervisor",method="batch.list",outcome="SERVICE_UNAVAILABLE"} 1',
    );
  });

  test('executions by status and result, and the sync queue, from the store', async () => {
    const base = { sequenceName: 's', sequenceVersion: '1.0.0', packageHash: 'h', batchId: 'batch_1' };
    h.store.createExecution({ ...base, id: 'e1' });
    h.store.finishExecution('e1', { status: 'completed', overallPass: true });
    h.store.createExecution({ ...base, id: 'e2' });
    h.store.finishExecution('e2', { status: 'failed', overallPass: false });
    h.store.createExecution({ ...base, id: 'e3' });
    const lines = await scrape();
    expect(lines).toContain('station_executions{status="completed",result="pass"} 1');
    expect(lines).toContain('station_executions{status="failed",result="fail"} 1');
    expect(lines).toContain('station_executions{status="running",result="unknown"} 1');
    expect(lines).toContain('station_executions{status="stopped",result="pass"} 0');
    expect(lines).toContain('station_sync_queue_depth{state="pending"} 2');
    expect(lines).toContain('station_ws_clients 0');
  });
});

describe('registry', () => {
  test('renders counters, gauges and histograms in the exposition format', () => {
    const r = new Registry();
    const c = r.register(new Counter('c_total', 'A counter.'));
    const g = r.register(new Gauge('g', 'A gauge.'));
    const hist = r.register(new Histogram('h_seconds', 'A histogram.', [0.1, 1]));
    c.inc({ a: 'x"y\\z\n' }, 2);
    g.set({}, 1.5);
    hist.observe({ k: 'v' }, 0.05);
    hist.observe({ k: 'v' }, 0.5);
    hist.observe({ k: 'v' }, 5);
    expect(r.render()).toBe(
      [
        '# HELP c_total A counter.',
        '# TYPE c_total counter',
        'c_total{a="x\\"y\\\\z\\n"} 2',
        '# HELP g A gauge.',
        '# TYPE g gauge',
        'g 1.5',
        '# HELP h_seconds A histogram.',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{k="v",le="0.1"} 1',
        'h_seconds_bucket{k="v",le="1"} 2',
        'h_seconds_bucket{k="v",le="+Inf"} 3',
        'h_seconds_sum{k="v"} 5.55',
        'h_seconds_count{k="v"} 3',
        '',
      ].join('\n'),
    );
  });

  test('a gauge whose collector throws is left out and reported', () => {
    const r = new Registry();
    r.register(
      new Gauge('broken', 'Fails.', () => {
        throw new Error('store closed');
      }),
    );
    r.register(new Counter('ok_total', 'Fine.'));
    const failed: string[] = [];
    expect(r.render((name) => failed.push(name))).toBe('# HELP ok_total Fine.\n# TYPE ok_total counter\n');
    expect(failed).toEqual(['broken']);
  });
});
