// Benchmark of the API gateway on loopback, through the real broker and the gateway's own main.ts:
//   bun bench/gateway/run.ts [--seconds 5] [--rates 1000] [--clients 10,100] [--batches 50] [--steps 2]
// A fake station (bench/gateway/station.ts) keeps N batches stepping through sequences and writing results;
// a floor (bench/gateway/floor.ts, a bare Bun.serve) answers the same paths with the same bytes. For each
// rate, GET /api/batches and GET /api/batches/{id} are sent open-loop (a fixed schedule, not waiting for
// answers) to the floor and to the gateway, and GET /api/results?page=1 to the gateway; latency is printed
// as p50/p95/p99 with the gateway's p99 over the floor's. Then, for each client count, WS clients
// subscribed to "*" measure the time from the station's publish to their receipt, each p99 over the first
// count's. Everything is bounded (rate x seconds requests, at most 2,000 outstanding), stays on 127.0.0.1
// and prints the load average before and after.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type FixtureProcess, spawnFixture, until } from '../../tests/support/process.ts';
import { openLoop, p99, summary } from './open-loop.ts';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seconds: { type: 'string', default: '5' },
    rates: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '10,100' },
    batches: { type: 'string', default: '50' },
    // Steps per second of each batch: real test steps take a second or more; 2/s is already brisk.
    steps: { type: 'string', default: '2' },
  },
});
const seconds = Number(values.seconds);
const rates = values.rates.split(',').map(Number);
const clientCounts = values.clients.split(',').map(Number);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** Opens `n` clients subscribed to every batch and collects publish-to-receipt latency for `seconds`. */
async function eventLatency(wsUrl: string, n: number): Promise<{ latencies: number[]; received: number }> {
  const latencies: number[] = [];
  let received = 0;
  let measuring = false;
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      const ws = new WebSocket(wsUrl);
      sockets.push(ws);
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => ws.send(JSON.stringify({ type: 'subscribe', batch_ids: ['*'] }));
        ws.onerror = () => reject(new Error('ws connect failed'));
        ws.onmessage = (e) => {
          const text = e.data as string;
          if (!measuring) {
            if (text.includes('"subscribed"')) resolve();
            return;
          }
          // The receiving side is part of what is measured: it reads the stamp and nothing else.
          received++;
          const at = text.indexOf('"message":"t=');
          if (at < 0) return;
          const stamp = Number.parseFloat(text.slice(at + 13, at + 40));
          latencies.push(performance.timeOrigin + performance.now() - stamp);
        };
      });
    }),
  );
  measuring = true;
  await Bun.sleep(seconds * 1000);
  measuring = false;
  for (const ws of sockets) ws.close();
  return { latencies, received };
}

const dir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
const procs: FixtureProcess[] = [];
try {
  mkdirSync(join(dir, 'sequences'));
  const sock = (name: string) => `ipc://${join(dir, `${name}.sock`)}`;
  const [bus, evIn, evOut] = [sock('bus'), sock('in'), sock('out')];
  writeFileSync(
    join(dir, 'station.yaml'),
    [
      'station: { id: bench }',
      'server: { host: 127.0.0.1, port: 0 }',
      'paths: { data_dir: ./data, sequences_dir: ./sequences }',
      `ipc: { service_bus: "${bus}", event_pub: "${evIn}", event_sub: "${evOut}" }`,
      // info: the gateway logs where it listens once; requests are logged at debug only.
      'logging: { level: info }',
    ].join('\n'),
  );
  const broker = spawnFixture(join(import.meta.dir, '../../packages/bus/test/broker-fixture.ts'), [
    bus,
    evIn,
    evOut,
    '500',
  ]);
  procs.push(broker);
  await broker.waitFor('READY');
  const station = spawnFixture(join(import.meta.dir, 'station.ts'), [
    bus,
    evIn,
    join(dir, 'data', 'station.db'),
    values.batches,
    values.steps,
  ]);
  procs.push(station);
  await station.waitFor('READY');
  const gateway = spawnFixture(join(import.meta.dir, '../../apps/api-gateway/src/main.ts'), [
    '--config',
    join(dir, 'station.yaml'),
  ]);
  procs.push(gateway);
  const line = await gateway.waitFor('gateway listening', 20_000);
  const base = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  await until(
    async () => (await fetch(`${base}/api/batches`)).ok,
    'the gateway to reach the supervisor',
    15_000,
    50,
  );

  // The read model is fed by the station's events: wait until it shows every batch stepping.
  await until(
    async () => {
      const cards = (await (await fetch(`${base}/api/batches`)).json()) as { sequenceRunning?: boolean }[];
      return cards.length === Number(values.batches) && cards.every((c) => c.sequenceRunning);
    },
    'every batch stepping in the read model',
    20_000,
    100,
  );
  const paths = ['/api/batches', '/api/batches/batch_1'];
  const bodies: Record<string, string> = {};
  for (const path of paths) bodies[path] = await (await fetch(`${base}${path}`)).text();
  writeFileSync(join(dir, 'bodies.json'), JSON.stringify(bodies));
  const floorProc = spawnFixture(join(import.meta.dir, 'floor.ts'), [join(dir, 'bodies.json')]);
  procs.push(floorProc);
  const floor = `http://127.0.0.1:${(await floorProc.waitFor(/^READY /)).split(' ')[1]}`;

  console.log(
    `gateway bench: ${values.batches} batches x ${values.steps} steps/s, ${seconds} s per phase, loopback; load average ${load()}`,
  );
  const ratios: string[] = [];
  for (const rate of rates) {
    for (const path of paths) {
      const measured: Record<string, number[]> = {};
      for (const [who, url] of [
        ['floor', `${floor}${path}`],
        ['gateway', `${base}${path}`],
      ] as const) {
        await openLoop(url, Math.min(rate, 100), seconds); // warm-up at a gentle rate
        const r = await openLoop(url, rate, seconds);
        measured[who] = r.latencies;
        const extra = r.errors || r.skipped ? `  errors ${r.errors} skipped ${r.skipped}` : '';
        console.log(summary(`GET ${path} @ ${rate}/s (${who})`, r.latencies, extra));
      }
      const ratio = p99(measured.gateway!) / p99(measured.floor!);
      ratios.push(`GET ${path} @ ${rate}/s: gateway p99 / floor p99 = ${ratio.toFixed(2)} (target <= 2)`);
    }
    await openLoop(`${base}/api/results?page=1`, Math.min(rate, 100), seconds);
    const results = await openLoop(`${base}/api/results?page=1`, rate, seconds);
    console.log(summary(`GET /api/results?page=1 @ ${rate}/s (gateway)`, results.latencies));
  }
  let first: number | undefined;
  for (const n of clientCounts) {
    const r = await eventLatency(`${base.replace('http', 'ws')}/ws`, n);
    console.log(summary(`WS publish->receipt, ${n} clients`, r.latencies, `  (${r.received} messages)`));
    const q = p99(r.latencies);
    if (first === undefined) first = q;
    else
      ratios.push(
        `WS p99 ${n} clients / ${clientCounts[0]} clients = ${(q / first).toFixed(2)} (target <= 2)`,
      );
  }
  for (const line of ratios) console.log(line);
  console.log(`load average after: ${load()}`);
} finally {
  for (const p of procs.reverse()) await p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
