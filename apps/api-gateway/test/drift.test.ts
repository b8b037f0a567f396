// The drift alarm without a runner: a real store holding a batch's readings and the `sequence_complete`
// events a runner would publish; the gateway raises `measurement_drift` on the WebSocket and keeps the
// latest on the batch's card and detail, until a later run of the batch raises none.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import type { BatchDetail, MeasurementDrift, StationEvent } from '@station/model';
import { listen, type RunningGateway } from '../src/server.ts';
import { type Harness, harness, json, PushEvents } from './support.ts';
import { connect, type TestClient } from './ws-client.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const T0 = Date.parse('2026-01-01T08:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const idle = { id: 'batch_1', name: 'Slot 1', status: 'idle' as const };

let h: Harness;
let events: PushEvents;
let server: RunningGateway;
let ws: TestClient | undefined;

beforeEach(async () => {
  h = await harness();
  events = new PushEvents();
  h.bus.on('supervisor', 'batch.list', () => [idle]);
  h.bus.on('supervisor', 'batch.get', () => ({
    ...idle,
    sequencePackage: 'psu_functional',
    autoStart: false,
    hardware: {},
    parameters: {},
    manualCommands: [],
    restarts: 0,
  }));
  server = listen(h.gw, { hostname: '127.0.0.1', port: 0, events, log: quiet });
});
afterEach(async () => {
  await ws?.[Symbol.asyncDispose]();
  ws = undefined;
  await server.stop(2000);
  await h[Symbol.asyncDispose]();
});

/** A WebSocket client subscribed to batch_1. */
async function subscriber(): Promise<TestClient> {
  const c = await connect(`ws://127.0.0.1:${server.port}/ws`);
  ws = c;
  c.send({ type: 'subscribe', batch_ids: ['batch_1'] });
  await c.next((m) => m.type === 'subscribed', 'subscribed ack');
  return c;
}

/** A finished run on batch_1 reading vout = `value` V (limits 4.75..5.25) and a text check. */
function record(id: string, minute: number, value: number): void {
  h.store.createExecution({
    id,
    batchId: 'batch_1',
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    packageHash: 'h1',
    startedAt: at(minute),
    dut: { serialNumber: `SN-${id}` },
  });
  h.store.recordStep(id, { name: 'measure', order: 0, status: 'completed', pass: true }, [
    { name: 'vout', value, unit: 'V', low: 4.75, high: 5.25, pass: true },
    { name: 'label', value: 'OK', equals: 'OK', pass: true },
  ]);
  h.store.finishExecution(id, { status: 'completed', overallPass: true, completedAt: at(minute + 1) });
}

/** The `sequence_complete` the runner publishes after recording `id`. */
const complete = (id: string): StationEvent => ({
  type: 'sequence_complete',
  batch_id: 'batch_1',
  data: { executionId: id, overallPass: true, duration: 60, steps: [], status: 'completed', verdict: 'PASS' },
});

const detail = async () => (await json(h.req('GET', '/api/batches/batch_1'))).body as BatchDetail;

test('a creeping reading raises measurement_drift on the WebSocket and on the card; a calm run clears it', async () => {
  expect((await json(h.req('GET', '/api/batches'))).status).toBe(200); // the read model's first snapshot
  const client = await subscriber();

  // 20 calm readings around 5.00 V: the newest breaks no rule.
  const calm = [5.02, 4.98, 5.01, 4.99, 5.03, 4.97];
  for (let i = 0; i < 20; i++) record(`c${String(i).padStart(2, '0')}`, i, calm[i % 6] as number);
  events.push(complete('c19'));
  await client.next(
    (m) => m.type === 'sequence_complete' && (m.data as { executionId: string }).executionId === 'c19',
    'the calm run',
  );

  // Then 8 units each reading 10 mV higher: still in spec, but 8 above the mean and rising.
  for (let i = 0; i < 8; i++) record(`d${i}`, 20 + i, 5.04 + i * 0.01);
  events.push(complete('d7'));
  const alarm = await client.next((m) => m.type === 'measurement_drift', 'the drift alarm');
  const drift = alarm.data as MeasurementDrift;
  expect(alarm.batch_id).toBe('batch_1');
  expect(drift).toMatchObject({
    batchId: 'batch_1',
    sequenceName: 'psu_functional',
    measurement: 'vout',
    executionId: 'd7',
    value: 5.11,
    at: '2026-01-01T00:00:00.000Z',
  });
  // The lowest rule broken: 8 in a row above the mean (rule 2) comes before 6 rising (rule 3).
  expect(drift.rule).toBe(2);
  expect(drift.description).toContain('8 points in a row on one side of the mean');
  expect(drift.description).toContain('vout = 5.11 V');
  // One alarm, of the drifting run only: the calm run raised none, a text check never does.
  const alarms = client.messages.filter((m) => m.type === 'measurement_drift');
  expect(alarms).toHaveLength(1);
  await client.next(
    (m) => m.type === 'batch_status' && (m.data as { drift?: MeasurementDrift }).drift?.executionId === 'd7',
    'the card with the alarm',
  );
  expect((await detail()).drift).toEqual(drift);

  // A later run back at 5.00 V breaks no rule: the card's alarm goes.
  record('e0', 40, 5.0);
  events.push(complete('e0'));
  await client.next(
    (m) => m.type === 'sequence_complete' && (m.data as { executionId: string }).executionId === 'e0',
    'the calm run after the drift',
  );
  expect(client.messages.filter((m) => m.type === 'measurement_drift')).toHaveLength(1);
  expect((await detail()).drift).toBeUndefined();
});

test('a sequence_complete of a run the store does not hold, or of an aborted run, raises nothing and harms nothing', async () => {
  expect((await json(h.req('GET', '/api/batches'))).status).toBe(200);
  const client = await subscriber();
  for (let i = 0; i < 10; i++) record(`r${i}`, i, 5 + i * 0.01); // rising: would alarm if counted
  h.store.createExecution({
    id: 'x1',
    batchId: 'batch_1',
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    packageHash: 'h1',
    startedAt: at(30),
  });
  h.store.finishExecution('x1', {
    status: 'stopped',
    overallPass: false,
    statusReason: 'ABORTED',
    completedAt: at(31),
  });
  events.push(complete('missing'));
  events.push(complete('x1'));
  await client.next(
    (m) => m.type === 'sequence_complete' && (m.data as { executionId: string }).executionId === 'x1',
    'the aborted run',
  );
  expect(client.messages.filter((m) => m.type === 'measurement_drift')).toEqual([]);
  expect((await detail()).drift).toBeUndefined();
});
