// bench/bus: the station bus through a real broker process.
// Round trip client -> broker -> worker -> broker -> client (p50/p99, requests/s) with 1 and 10 concurrent
// clients; event throughput publisher -> broker -> subscriber; end-to-end event latency p50/p99.
// Usage: bun bench/bus/run.ts [--seconds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusClient, Publisher, Subscriber } from '../../packages/bus/src/index.ts';
import { spawnFixture, until } from '../../tests/support/process.ts';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 3;
const REPO = join(import.meta.dir, '../..');
const dir = mkdtempSync(join(tmpdir(), 'bench-bus-'));
const ep = { bus: `ipc://${dir}/bus.sock`, in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` };

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

const broker = spawnFixture(join(REPO, 'packages/bus/test/broker-fixture.ts'), [
  ep.bus,
  ep.in,
  ep.out,
  '500',
]);
const worker = spawnFixture(join(REPO, 'packages/bus/test/worker-fixture.ts'), [ep.bus, '500']);
try {
  await broker.waitFor(/^READY /);
  await worker.waitFor(/^READY /);

  const rows: string[][] = [];
  for (const concurrency of [1, 10]) {
    const clients = Array.from({ length: concurrency }, () => new BusClient({ endpoint: ep.bus }));
    await Promise.all(
      clients.map((c) =>
        until(
          () => c.request('supervisor', 'batch.get', { batchId: 'warm' }).catch(() => undefined),
          'warm-up',
        ),
      ),
    );
    // Warm-up, then measure for `seconds`.
    // 5,000 warm-up round trips: Bun compiles hot code in the background for the first few thousand,
    // which otherwise lands in the measured tail.
    for (let i = 0; i < 5000; i++) await clients[0]!.request('supervisor', 'batch.get', { batchId: 'warm' });
    const latencies: number[] = [];
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c, ci) => {
        let i = 0;
        while (performance.now() < end) {
          const s = performance.now();
          await c.request('supervisor', 'batch.get', { batchId: `b${ci}_${i++}` });
          latencies.push(performance.now() - s);
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    rows.push([
      `round trip, ${concurrency} client${concurrency > 1 ? 's' : ''}`,
      us(pct(latencies, 50)),
      us(pct(latencies, 99)),
      `${Math.round(latencies.length / elapsed).toLocaleString('en')} req/s`,
    ]);
    for (const c of clients) c.close();
  }

  // Events: throughput from a publisher process (as a runner publishes) to a subscriber here (as the
  // gateway subscribes), then end-to-end latency.
  const pub = new Publisher({ endpoint: ep.in, highWaterMark: 100_000 });
  const sub = new Subscriber({ endpoint: ep.out, prefixes: ['batch.'], highWaterMark: 100_000 });
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  const lat: number[] = [];
  let measureLatency = false;
  void (async () => {
    for await (const { event } of sub) {
      if (event.type === 'step_start') {
        received++;
        lastAt = performance.now();
        if (received === 1) firstAt = lastAt;
      }
      if (measureLatency && event.type === 'log') lat.push(performance.now() - Number(event.data.timestamp));
    }
  })();
  const N = 100_000;
  const publisher = Bun.spawn([process.execPath, join(import.meta.dir, 'publisher.ts'), ep.in, String(N)], {
    stdin: 'pipe',
    stdout: 'pipe',
  });
  let probes = 0;
  const probeSub = new Subscriber({ endpoint: ep.out, prefixes: ['batch.probe.'] });
  for await (const _ of probeSub) if (++probes >= 1) break;
  probeSub.close();
  publisher.stdin.write('go\n');
  publisher.stdin.flush();
  // Events over a high-water mark are dropped (PUB semantics): wait for the stream to go quiet.
  await until(
    () => received >= N || (lastAt > 0 && performance.now() - lastAt > 1000),
    'the event stream to end',
    60_000,
    5,
  );
  await publisher.exited;
  rows.push([
    'events publisher process -> broker -> subscriber',
    '',
    '',
    `${Math.round(received / ((lastAt - firstAt) / 1000)).toLocaleString('en')} events/s (${received}/${N} delivered)`,
  ]);

  measureLatency = true;
  for (let i = 0; i < 5000; i++) {
    await pub.publish({
      type: 'log',
      batch_id: 'batch_1',
      data: { level: 'info', message: 'm', timestamp: String(performance.now()) },
    });
    if (i % 10 === 0) await Bun.sleep(1);
  }
  await until(() => lat.length >= 5000, 'latency samples', 10_000).catch(() => undefined);
  lat.sort((a, b) => a - b);
  rows.push(['event latency (paced)', us(pct(lat, 50)), us(pct(lat, 99)), `${lat.length} samples`]);
  pub.close();
  sub.close();

  console.log(`\nbench/bus (broker and worker as separate processes, ipc, ${seconds} s per case)\n`);
  console.log(['case', 'p50', 'p99', 'rate'].join(' | '));
  console.log('---|---|---|---');
  for (const r of rows) console.log(r.join(' | '));
} finally {
  await worker.kill();
  await broker.kill();
  rmSync(dir, { recursive: true, force: true });
}
