// The whole path across processes: the real broker, a fake station (supervisor, runner, sync agent) on the
// real bus writing the real store, and the gateway's own main.ts. REST start -> sequence -> WS events in
// order -> result -> CSV/JSON export -> errors across the bus -> SIGTERM.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExposition, sampleValue } from '../../../tests/support/metrics.ts';
import { type FixtureProcess, spawnFixture, until } from '../../../tests/support/process.ts';
import { connect, type TestClient } from './ws-client.ts';

const BROKER = join(import.meta.dir, '../../../packages/bus/test/broker-fixture.ts');
const STATION = join(import.meta.dir, 'station-fixture.ts');
const MAIN = join(import.meta.dir, '../src/main.ts');

let dir: string;
let broker: FixtureProcess;
let station: FixtureProcess;
let gateway: FixtureProcess;
let base: string;
let ws: TestClient | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-e2e-'));
  mkdirSync(join(dir, 'sequences'));
  const sock = (name: string) => `ipc://${join(dir, `${name}.sock`)}`;
  const [bus, evIn, evOut] = [sock('bus'), sock('in'), sock('out')];
  writeFileSync(
    join(dir, 'station.yaml'),
    [
      'station: { id: e2e, name: E2E Station }',
      'server: { host: 127.0.0.1, port: 0 }',
      'paths: { data_dir: ./data, sequences_dir: ./sequences }',
      `ipc: { service_bus: "${bus}", event_pub: "${evIn}", event_sub: "${evOut}" }`,
      'logging: { level: info }',
      'batches:',
      '  - { id: batch_1, name: Slot 1, sequence_package: psu_functional }',
      '  - { id: batch_2, name: Slot 2, sequence_package: psu_functional }',
    ].join('\n'),
  );
  broker = spawnFixture(BROKER, [bus, evIn, evOut, '200']);
  await broker.waitFor('READY');
  station = spawnFixture(STATION, [bus, evIn, join(dir, 'data', 'station.db')]);
  await station.waitFor('READY');
  gateway = spawnFixture(MAIN, ['--config', join(dir, 'station.yaml')]);
  const line = await gateway.waitFor('gateway listening', 20_000);
  base = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
}, 60_000);

afterAll(async () => {
  await ws?.[Symbol.asyncDispose]();
  for (const p of [gateway, station, broker]) await p?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
}

test('start a batch, run a sequence, watch it live, read and export the result', async () => {
  // The gateway's bus links come up on their own; wait until the station is reachable through them.
  await until(
    async () => (await call('GET', '/api/system/health')).status === 200,
    'a healthy station',
    15_000,
    50,
  );

  ws = await connect(`${base.replace('http', 'ws')}/ws`);
  ws.send({ type: 'subscribe', batch_ids: ['batch_1'] });
  await ws.next((m) => m.type === 'subscribed', 'subscribed');
  expect(ws.messages).toEqual([
    {
      type: 'batch_status',
      batch_id: 'batch_1',
      data: { id: 'batch_1', name: 'Slot 1', status: 'idle', sequenceRunning: false },
    },
    { type: 'subscribed', data: { batch_ids: ['batch_1'] } },
  ]);

  const startBatch = await call('POST', '/api/batches/batch_1/start');
  expect(startBatch).toEqual({ status: 200, body: { status: 'running', pid: station.pid } });
  expect(await call('POST', '/api/batches/batch_1/start')).toEqual({
    status: 409,
    body: { error: { code: 'ALREADY_RUNNING', message: 'batch_1 is already running' } },
  });

  // `hold`: the fixture waits before its last step until the test lets it go.
  expect(
    await call('POST', '/api/batches/batch_1/sequence/start', {
      parameters: { output_voltage: 5, hold: true },
    }),
  ).toEqual({
    status: 200,
    body: { executionId: 'exec_1' },
  });
  // Mid-run, both reads show the runner's progress (from the events, not a request per read).
  const midRun = (await until(async () => {
    const list = (await call('GET', '/api/batches')).body as Record<string, unknown>[];
    return list[0]?.currentStep === 'measure' ? list : undefined;
  }, 'GET /api/batches to show the run at its second step')) as Record<string, unknown>[];
  expect(midRun[0]).toMatchObject({
    id: 'batch_1',
    status: 'running',
    pid: station.pid,
    sequenceRunning: true,
    executionId: 'exec_1',
    sequenceName: 'psu_functional',
    totalSteps: 2,
    stepIndex: 1,
    progress: 0.5,
  });
  expect((await call('GET', '/api/batches/batch_1')).body).toMatchObject({
    status: 'running',
    currentStep: 'measure',
    execution: {
      executionId: 'exec_1',
      status: 'running',
      progress: 0.5,
      steps: [{ name: 'initialize', status: 'completed', pass: true }],
    },
  });
  writeFileSync(join(dir, 'data', 'station.db.release'), '');

  const ended = await ws.next(
    (m) => m.type === 'batch_status' && (m.data as { lastResult?: unknown }).lastResult !== undefined,
    'the card with the verdict',
    10_000,
  );
  // Every change of the card arrives whole (the gateway composes it), between the runner's own events.
  const summary = ws.messages.slice(2).map((m) => {
    const d = m.data as Record<string, unknown>;
    if (m.type !== 'batch_status') return `${m.type} ${String(d.step ?? d.executionId)}`;
    const last = d.lastResult as { executionId: string } | undefined;
    return `card ${d.status} run=${d.sequenceRunning} ${d.currentStep ?? '-'} ${d.progress ?? '-'}${last ? ` last=${last.executionId}` : ''}`;
  });
  expect(summary).toEqual([
    'card running run=false - -',
    'card running run=true - 0',
    'step_start initialize',
    'card running run=true initialize 0',
    'step_complete initialize',
    'card running run=true initialize 0.5',
    'step_start measure',
    'card running run=true measure 0.5',
    'step_complete measure',
    'card running run=true measure 1',
    'sequence_complete exec_1',
    'card running run=false - - last=exec_1',
  ]);
  const verdict = {
    executionId: 'exec_1',
    status: 'completed',
    overallPass: true,
    completedAt: '2026-01-01T10:00:02.000Z',
    duration: 2,
    verdict: 'PASS',
  };
  expect(ended.data).toEqual({
    id: 'batch_1',
    name: 'Slot 1',
    status: 'running',
    pid: station.pid,
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    sequenceRunning: false,
    dut: null,
    lastResult: verdict,
  });
  expect(
    ws.messages.find((m) => m.type === 'step_complete' && (m.data as { step: string }).step === 'measure'),
  ).toEqual({
    type: 'step_complete',
    batch_id: 'batch_1',
    data: { step: 'measure', duration: 1.5, pass: true, result: { voltage: 5.01 } },
  });
  expect(ws.messages.find((m) => m.type === 'sequence_complete')).toEqual({
    type: 'sequence_complete',
    batch_id: 'batch_1',
    data: {
      executionId: 'exec_1',
      overallPass: true,
      verdict: 'PASS',
      duration: 2,
      steps: [
        {
          name: 'initialize',
          order: 0,
          status: 'completed',
          pass: true,
          startedAt: null,
          completedAt: null,
          duration: 0.5,
          attempts: 1,
          result: null,
          error: null,
          measurements: [],
        },
        {
          name: 'measure',
          order: 1,
          status: 'completed',
          pass: true,
          startedAt: null,
          completedAt: null,
          duration: 1.5,
          attempts: 1,
          result: { voltage: 5.01 },
          error: null,
          measurements: [
            { name: 'voltage', value: 5.01, unit: 'V', low: 4.9, high: 5.1, equals: null, pass: true },
          ],
        },
      ],
    },
  });
  // The verdict stays on the card after the run: in the list and in the detail.
  expect(((await call('GET', '/api/batches')).body as Record<string, unknown>[])[0]).toMatchObject({
    sequenceRunning: false,
    lastResult: verdict,
  });
  expect((await call('GET', '/api/batches/batch_1')).body).toMatchObject({ lastResult: verdict });

  const result = await call('GET', '/api/results/exec_1');
  expect(result.status).toBe(200);
  expect(result.body).toMatchObject({
    id: 'exec_1',
    batchId: 'batch_1',
    status: 'completed',
    overallPass: true,
    duration: 2,
    parameters: { output_voltage: 5 },
    steps: [
      { name: 'initialize', order: 0, pass: true, measurements: [] },
      {
        name: 'measure',
        order: 1,
        pass: true,
        result: { voltage: 5.01 },
        measurements: [
          { name: 'voltage', value: 5.01, unit: 'V', low: 4.9, high: 5.1, equals: null, pass: true },
        ],
      },
    ],
  });
  expect((await call('GET', '/api/results?batchId=batch_1')).body).toMatchObject({
    total: 1,
    items: [{ id: 'exec_1' }],
  });

  const csv = await fetch(`${base}/api/results/exec_1/export?format=csv`);
  expect(csv.headers.get('content-disposition')).toBe('attachment; filename="exec_1.csv"');
  const rows = (await csv.text()).trimEnd().split('\r\n');
  expect(rows.length).toBe(3);
  expect(rows[1]).toEndWith(',0,initialize,completed,true,0.5,,,,,,,,');
  expect(rows[2]).toEndWith(',1,measure,completed,true,1.5,,voltage,5.01,V,4.9,5.1,,true');
  const exported = await (await fetch(`${base}/api/results/exec_1/export?format=json`)).json();
  expect(exported).toEqual(result.body);

  // Requests are counted after their response is sent, so the last one may land a moment later.
  const scrape = async () => parseExposition(await (await fetch(`${base}/metrics`)).text());
  const metrics = await until(async () => {
    const m = await scrape();
    return sampleValue(m, 'station_http_requests_in_flight') === 1 ? m : undefined;
  }, 'only the scrape in flight');
  expect(sampleValue(metrics, 'station_steps_completed_total', { result: 'pass' })).toBe(2);
  expect(sampleValue(metrics, 'station_executions', { status: 'completed', result: 'pass' })).toBe(1);
  expect(sampleValue(metrics, 'station_ws_clients')).toBe(1);
  // Only the scrape itself is in flight: the WebSocket upgrade and every request before it were closed out.
  expect(sampleValue(metrics, 'station_http_requests_in_flight')).toBe(1);
  // The fixture's services answer their (empty) metrics over the real bus.
  expect(sampleValue(metrics, 'station_service_up', { service: 'supervisor' })).toBe(1);
  expect(sampleValue(metrics, 'station_service_up', { service: 'runner.batch_1' })).toBe(1);
});

test('service errors keep their meaning across the bus', async () => {
  expect(
    await call('POST', '/api/batches/batch_1/manual', { hardware: 'psu', command: 'measure_voltage' }),
  ).toEqual({
    status: 200,
    body: { hardware: 'psu', command: 'measure_voltage', result: 5.002, duration: 0.01 },
  });
  expect(await call('POST', '/api/batches/batch_1/manual', { hardware: 'dmm', command: 'x' })).toEqual({
    status: 422,
    body: { error: { code: 'UNKNOWN_HARDWARE', message: 'no hardware named "dmm"' } },
  });
  expect(await call('GET', '/api/batches/batch_9')).toEqual({
    status: 404,
    body: { error: { code: 'NOT_FOUND', message: 'no batch "batch_9" on this station' } },
  });
  expect(await call('POST', '/api/system/sync')).toEqual({
    status: 200,
    body: { synced: 1, failed: 0, rejected: 0, pending: 0 },
  });

  expect(await call('POST', '/api/batches/batch_1/stop')).toEqual({ status: 200, body: { status: 'idle' } });
  expect((await call('POST', '/api/batches/batch_1/stop')).body).toMatchObject({
    error: { code: 'NOT_RUNNING' },
  });
  // The runner is gone: the gateway asks the supervisor and answers NOT_RUNNING, not a bare 503.
  await until(
    async () => (await call('POST', '/api/batches/batch_1/sequence/start', {})).status === 409,
    'runner gone',
    10_000,
    50,
  );

  await station.kill('SIGTERM');
  // The supervisor is gone: the batches are still answered from the read model, marked stale, with the
  // last status the supervisor reported and the verdict kept.
  const stale = (await until(
    async () => {
      const r = await call('GET', '/api/batches');
      const cards = r.body as Record<string, unknown>[];
      return r.status === 200 && cards[0]?.stale ? cards : undefined;
    },
    'the cards to be marked stale',
    10_000,
  )) as Record<string, unknown>[];
  expect(stale[0]).toMatchObject({
    id: 'batch_1',
    status: 'idle',
    lastResult: { executionId: 'exec_1', overallPass: true },
    stale: { reason: expect.stringContaining('the supervisor does not answer') },
  });
  expect((await call('GET', '/api/system/health')).body).toMatchObject({
    status: 'unhealthy',
    services: { broker: { reachable: true } },
  });
});

test('SIGTERM: WebSocket clients get 1001 and the gateway exits 0', async () => {
  const client = ws!;
  gateway.proc.kill('SIGTERM');
  expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
  expect(await gateway.exited).toBe(0);
});
