// /metrics in the Prometheus text format: HTTP by route template, bus round trips, store-derived gauges,
// and the other services' registries merged in, each labelled with its service.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { BusError } from '@station/bus/errors';
import { metricsReply } from '@station/bus/metrics-shape';
import { serviceRegistry } from '@station/service/metrics';
import { Counter, Histogram } from 'prom-client';
import { type Exposition, parseExposition, sampleValue, series } from '../../../tests/support/metrics.ts';
import { until } from '../../../tests/support/process.ts';
import { type Harness, harness } from './support.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h[Symbol.asyncDispose]();
});

async function scrape(): Promise<Exposition> {
  const res = await h.req('GET', '/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  // Each family is announced once, however many processes report it.
  const typeLines = text.split('\n').filter((l) => l.startsWith('# TYPE '));
  expect(new Set(typeLines).size).toBe(typeLines.length);
  return parseExposition(text);
}

describe('/metrics of the gateway', () => {
  test('HTTP requests counted by route template (not the raw path) and status', async () => {
    // The read model knows batch_1 only: a and b are not on this station.
    h.bus.on('supervisor', 'batch.list', () => [{ id: 'batch_1', name: 'batch_1', status: 'idle' }]);
    await h.req('GET', '/api/batches/a');
    await h.req('GET', '/api/batches/b');
    await h.req('GET', '/api/results');
    const route = (r: string, status: string) => ({ method: 'GET', route: r, status });
    // Counted after each response is sent (onAfterResponse), so wait for the last one to land.
    const m = await until(async () => {
      const e = await scrape();
      return series(e, 'station_http_requests_total', route('/api/results', '200')).length ? e : undefined;
    }, 'the /api/results request to be counted');
    expect(sampleValue(m, 'station_http_requests_total', route('/api/batches/:id', '404'))).toBe(2);
    expect(sampleValue(m, 'station_http_requests_total', route('/api/results', '200'))).toBe(1);
    expect(
      sampleValue(m, 'station_http_request_duration_seconds_count', route('/api/batches/:id', '404')),
    ).toBe(2);
    expect(
      sampleValue(m, 'station_http_request_duration_seconds_bucket', {
        ...route('/api/results', '200'),
        le: '+Inf',
      }),
    ).toBe(1);
    // The gateway's own series say who reports them.
    expect(series(m, 'station_http_requests_total').every((s) => s.labels.service === 'api-gateway')).toBe(
      true,
    );
    expect(m.types.get('station_http_request_duration_seconds')).toBe('histogram');
  });

  test('bus round trips by service kind, method and outcome', async () => {
    h.bus.on('runner.batch_1', 'sequence.stop', () => ({ status: 'stopping' }));
    await h.req('POST', '/api/batches/batch_1/sequence/stop');
    await h.req('GET', '/api/batches');
    const m = await scrape();
    const count = 'station_bus_request_duration_seconds_count';
    expect(sampleValue(m, count, { service: 'runner', method: 'sequence.stop', outcome: 'ok' })).toBe(1);
    expect(
      sampleValue(m, count, { service: 'supervisor', method: 'batch.list', outcome: 'SERVICE_UNAVAILABLE' }),
    ).toBe(1);
  });

  test('executions by status and result, from the store', async () => {
    const base = { sequenceName: 's', sequenceVersion: '1.0.0', packageHash: 'h', batchId: 'batch_1' };
    h.store.createExecution({ ...base, id: 'e1' });
    h.store.finishExecution('e1', { status: 'completed', overallPass: true });
    h.store.createExecution({ ...base, id: 'e2' });
    h.store.finishExecution('e2', { status: 'failed', overallPass: false });
    h.store.createExecution({ ...base, id: 'e3' });
    const m = await scrape();
    expect(sampleValue(m, 'station_executions', { status: 'completed', result: 'pass' })).toBe(1);
    expect(sampleValue(m, 'station_executions', { status: 'failed', result: 'fail' })).toBe(1);
    expect(sampleValue(m, 'station_executions', { status: 'running', result: 'unknown' })).toBe(1);
    expect(sampleValue(m, 'station_executions', { status: 'stopped', result: 'pass' })).toBe(0);
    expect(sampleValue(m, 'station_ws_clients')).toBe(0);
    // prom-client's default process metrics come with it.
    expect(sampleValue(m, 'process_resident_memory_bytes', { service: 'api-gateway' })).toBeGreaterThan(0);
    expect(m.types.has('nodejs_eventloop_lag_seconds')).toBe(true);
    // Less V8's heap spaces, which Bun reports as zeros at the cost of a heap walk.
    expect([...m.types.keys()].filter((n) => n.startsWith('nodejs_heap_space'))).toEqual([]);
  });

  test('a store that cannot be read leaves its gauge out; the scrape still answers', async () => {
    h.store.close();
    const m = await scrape();
    expect(series(m, 'station_executions')).toEqual([]);
    expect(sampleValue(m, 'station_service_up', { service: 'api-gateway' })).toBe(1);
  });
});

describe('/metrics of the station', () => {
  test("each service's registry merged in under its service label; the silent ones are up 0", async () => {
    const registry = (service: string) => serviceRegistry(service, { defaults: false });
    const supervisor = registry('supervisor');
    new Counter({
      name: 'station_runner_restarts_total',
      help: 'r',
      labelNames: ['batch'],
      registers: [supervisor],
    }).inc({ batch: 'batch_1' }, 2);
    // Two runners with the same families: their series sit side by side, none summed into another.
    for (const batch of ['batch_1', 'batch_2']) {
      const r = registry(`runner.${batch}`);
      new Counter({
        name: 'station_runs_total',
        help: 'runs',
        labelNames: ['batch', 'verdict'],
        registers: [r],
      }).inc({ batch, verdict: 'pass' }, batch === 'batch_1' ? 3 : 4);
      new Histogram({
        name: 'station_step_duration_seconds',
        help: 'd',
        labelNames: ['batch', 'step'],
        buckets: [1],
        registers: [r],
      }).observe({ batch, step: 'measure' }, 0.5);
      h.bus.on(`runner.${batch}`, 'metrics', () => metricsReply(r));
    }
    h.bus.on('supervisor', 'metrics', () => metricsReply(supervisor));
    h.bus.on('sync', 'metrics', () => {
      throw new BusError('TIMEOUT', 'sync metrics: no reply within 1000 ms');
    });
    const m = await scrape();
    expect(
      sampleValue(m, 'station_runs_total', { batch: 'batch_1', verdict: 'pass', service: 'runner.batch_1' }),
    ).toBe(3);
    expect(
      sampleValue(m, 'station_runs_total', { batch: 'batch_2', verdict: 'pass', service: 'runner.batch_2' }),
    ).toBe(4);
    expect(sampleValue(m, 'station_step_duration_seconds_bucket', { batch: 'batch_2', le: '1' })).toBe(1);
    expect(sampleValue(m, 'station_step_duration_seconds_count', { batch: 'batch_1' })).toBe(1);
    expect(sampleValue(m, 'station_runner_restarts_total', { batch: 'batch_1', service: 'supervisor' })).toBe(
      2,
    );
    expect(sampleValue(m, 'station_service_up', { service: 'supervisor' })).toBe(1);
    expect(sampleValue(m, 'station_service_up', { service: 'runner.batch_2' })).toBe(1);
    expect(sampleValue(m, 'station_service_up', { service: 'sync' })).toBe(0);
    expect(sampleValue(m, 'station_service_up', { service: 'broker' })).toBe(0);
    // Each service was asked with the short metrics deadline, not the default one.
    expect(h.bus.calls.filter((c) => c.method === 'metrics').every((c) => c.timeoutMs === 1000)).toBe(true);
  });
});
