// The serving side's heartbeats on a ManualClock, against a raw ROUTER playing the broker: the worker beats
// once per period, and a broker silent for `liveness` periods gets a fresh READY, counted exactly.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@station/time';
import { Router } from '@station/zmtp';
import { until } from '../../../tests/support/process.ts';
import { protocol, serve } from '../src/index.ts';

const HB = 1_000;
const LIVENESS = 5;

let dir: string;
const cleanups: (() => unknown)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'station-worker-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

test('a worker beats every period, and re-announces once the broker has been silent for liveness periods', async () => {
  const router = new Router();
  cleanups.push(() => router.close());
  await router.bind(`ipc://${dir}/bus.sock`);
  const heard: string[] = [];
  let peer: Uint8Array | undefined;
  void (async () => {
    for await (const [from, ...frames] of router) {
      peer = from;
      heard.push(protocol.decodeWorkerMessage(frames).command);
    }
  })().catch(() => {});
  const acknowledge = () => {
    if (!peer) throw new Error('no worker yet');
    return router.send([peer, ...protocol.encodeBrokerToWorker({ command: 'hb' })]);
  };

  const clock = new ManualClock();
  const worker = serve({
    endpoint: `ipc://${dir}/bus.sock`,
    service: 'sync',
    handlers: {
      health: () => ({ service: 'sync', pid: process.pid, uptime: 0 }),
      metrics: () => [],
      'sync.now': () => ({ synced: 0, failed: 0, rejected: 0, pending: 0 }),
      'sync.status': () => {
        throw new Error('unused');
      },
    },
    heartbeatMs: HB,
    liveness: LIVENESS,
    clock,
  });
  cleanups.push(() => worker.close());
  await until(() => heard.length === 1, 'READY');
  await acknowledge();
  expect(await worker.ready()).toBe(true);

  // The broker says nothing more. Each period within the window brings one heartbeat...
  for (let period = 1; period <= LIVENESS; period++) {
    clock.advance(HB);
    await until(() => heard.length === 1 + period, `heartbeat ${period}`);
  }
  // ...and the first period past it a new READY instead.
  clock.advance(HB);
  await until(() => heard.length === LIVENESS + 2, 'the new READY');
  expect(heard).toEqual(['ready', ...Array(LIVENESS).fill('hb'), 'ready']);
});
