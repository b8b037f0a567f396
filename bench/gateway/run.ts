// Benchmark of the API gateway on loopback, through the real broker and the gateway's own main.ts:
//   bun bench/gateway/run.ts [--seconds 3] [--rounds 5] [--rates 1000] [--clients 10,100] [--batches 50] [--steps 2]
//                            [--only http|ws] [--client-procs 1]
// A fake station (bench/gateway/station.ts) keeps N batches stepping through sequences and writing results;
// a floor (bench/gateway/floor.ts, a bare Bun.serve) answers the same paths with the same bytes. For each
// rate, GET /api/batches and GET /api/batches/{id} are sent open-loop (a fixed schedule, not waiting for
// answers; latency from the scheduled send) in rounds, floor then gateway, each a phase of `seconds`; then
// GET /api/results?page=1 to the gateway. WS clients subscribed to "*" (bench/gateway/ws-clients.ts, a
// process of their own) time each event from the station's publish to their receipt, in rounds alternating
// the first client count with each other. One phase's p99 is decided by a pause or two, so each round pairs
// two phases run back to back on the same machine state: the verdict is the median over rounds of the
// pair's p99 ratio; the per-round p99s and the p99 of all samples pooled are printed too. Everything is
// bounded (rate x seconds requests a phase, at most 2,000 outstanding), stays on 127.0.0.1 and prints the
// load average as it goes. Each WS phase also prints where an event's time went: its first receipt, the
// spread from first to last receipt. `--only http` or `--only ws` runs one half. `--client-procs k` spreads
// each phase's clients over k processes (browsers each have their own event loop and their own machine;
// one process reads its sockets one after another on the bench's cores).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type FixtureProcess, spawnFixture, until } from '../../tests/support/process.ts';
import { openLoop, p99, summary } from './open-loop.ts';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    rates: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '10,100' },
    batches: { type: 'string', default: '50' },
    // Steps per second of each batch: real test steps take a second or more; 2/s is already brisk.
    steps: { type: 'string', default: '2' },
    // One half of the bench alone: the GET comparisons (`http`) or the WebSocket one (`ws`).
    only: { type: 'string' },
    // Processes the WS clients of a phase are spread over (1: all in one, as before).
    'client-procs': { type: 'string', default: '1' },
  },
});
if (values.only !== undefined && values.only !== 'http' && values.only !== 'ws')
  throw new Error(`--only takes http or ws, not ${values.only}`);
const runHttp = values.only !== 'ws';
const runWs = values.only !== 'http';
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const rates = values.rates.split(',').map(Number);
const clientCounts = values.clients.split(',').map(Number);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const ms = (n: number) => `${n.toFixed(2)} ms`;

/** CPU time (user + system, ms) a process has used so far, from /proc (NaN where there is none). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of proc(5), in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One side of a pair: a name and a phase that returns its latency samples. */
interface Side {
  name: string;
  /** Latencies (ms), the CPU it cost (said in a few words) and anything that went wrong. */
  phase(): Promise<{ latencies: number[]; cpu: string; note?: string; detail?: string }>;
}

/**
 * Runs `rounds` rounds of (base phase, other phase), back to back, and prints each round's p99s and ratio,
 * then both sides' pooled samples; returns the line with the median ratio.
 */
async function paired(label: string, base: Side, other: Side): Promise<string> {
  console.log(`${label}: ${rounds} rounds of ${base.name} then ${other.name}, ${seconds} s each`);
  const pooled: Record<'base' | 'other', number[]> = { base: [], other: [] };
  const ratios: number[] = [];
  const notes: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    const a = await base.phase();
    const b = await other.phase();
    pooled.base.push(...a.latencies);
    pooled.other.push(...b.latencies);
    const [pa, pb] = [p99(a.latencies), p99(b.latencies)];
    ratios.push(pb / pa);
    for (const note of [a.note, b.note]) if (note) notes.push(`round ${round}: ${note}`);
    console.log(
      `  round ${round}: p99 ${base.name} ${ms(pa)}, ${other.name} ${ms(pb)}, ratio ${(pb / pa).toFixed(2)}; CPU ${base.name} ${a.cpu}, ${other.name} ${b.cpu}; load ${loadavg()[0]!.toFixed(2)}`,
    );
    for (const [side, r] of [
      [base, a],
      [other, b],
    ] as const)
      if (r.detail) console.log(`    ${side.name}: ${r.detail}`);
  }
  for (const note of notes) console.log(`  ${note}`);
  console.log(summary(`  pooled ${base.name}`, pooled.base));
  console.log(summary(`  pooled ${other.name}`, pooled.other));
  const pooledRatio = p99(pooled.other) / p99(pooled.base);
  return `${label}: median of ${rounds} round ratios ${median(ratios).toFixed(2)} (target <= 2; rounds ${ratios.map((r) => r.toFixed(2)).join(' ')}; pooled p99 ratio ${pooledRatio.toFixed(2)})`;
}

/** A phase of `rate` requests a second to `url` for `seconds`, open loop, answered by process `pid`. */
function requests(name: string, url: string, rate: number, pid: number): Side {
  return {
    name,
    async phase() {
      const cpu0 = cpuMs(pid);
      const r = await openLoop(url, rate, seconds);
      const cpu = `${(cpuMs(pid) - cpu0).toFixed(0)} ms`;
      const note = r.errors || r.skipped ? `${name}: errors ${r.errors}, skipped ${r.skipped}` : undefined;
      return { latencies: r.latencies, cpu, note };
    },
  };
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
    `gateway bench: ${values.batches} batches x ${values.steps} steps/s, ${rounds} rounds of ${seconds} s phases, loopback (gateway pid ${gateway.pid}); load average ${load()}`,
  );
  const verdicts: string[] = [];
  for (const rate of runHttp ? rates : []) {
    for (const path of paths) {
      // A gentle warm-up of each, so neither side's first round pays for its JIT and connection pool.
      await openLoop(`${floor}${path}`, Math.min(rate, 100), 1);
      await openLoop(`${base}${path}`, Math.min(rate, 100), 1);
      verdicts.push(
        await paired(
          `GET ${path} @ ${rate}/s, gateway p99 / floor p99`,
          requests('floor', `${floor}${path}`, rate, floorProc.pid),
          requests('gateway', `${base}${path}`, rate, gateway.pid),
        ),
      );
    }
    await openLoop(`${base}/api/results?page=1`, Math.min(rate, 100), 1);
    const results = await openLoop(`${base}/api/results?page=1`, rate, seconds);
    console.log(summary(`GET /api/results?page=1 @ ${rate}/s (gateway)`, results.latencies));
  }

  /** One phase of `n` WS clients in their own process; their receipts, read back from a file. */
  const wsUrl = `${base.replace('http', 'ws')}/ws`;
  let phases = 0;
  const clientProcs = Number(values['client-procs']);
  const clients = (n: number): Side => ({
    name: `${n} clients`,
    async phase() {
      const gw0 = cpuMs(gateway.pid);
      // n clients over `clientProcs` processes, as evenly as they divide.
      const procs = Math.min(clientProcs, n);
      const shares = Array.from({ length: procs }, (_, i) => Math.floor(n / procs) + (i < n % procs ? 1 : 0));
      const outs = shares.map(() => join(dir, `ws-${++phases}.json`));
      const running = shares.map((share, i) =>
        spawnFixture(join(import.meta.dir, 'ws-clients.ts'), [
          wsUrl,
          String(share),
          String(seconds),
          outs[i]!,
        ]),
      );
      try {
        await Promise.all(running.map((proc) => proc.waitFor('DONE', (seconds + 30) * 1000)));
      } finally {
        await Promise.all(running.map((proc) => proc.kill('SIGKILL')));
      }
      const results = outs.map(
        (out) =>
          JSON.parse(readFileSync(out, 'utf8')) as {
            latencies: number[];
            received: number;
            cpuMs: number;
            events: [stamp: number, first: number, last: number, count: number][];
          },
      );
      const gw = cpuMs(gateway.pid) - gw0;
      // Each timed event's first and last receipt over every process; only those all n clients got.
      const byEvent = new Map<number, [first: number, last: number, count: number]>();
      for (const r of results) {
        for (const [stamp, f, l, count] of r.events) {
          const seen = byEvent.get(stamp);
          if (seen) byEvent.set(stamp, [Math.min(seen[0], f), Math.max(seen[1], l), seen[2] + count]);
          else byEvent.set(stamp, [f, l, count]);
        }
      }
      const complete = [...byEvent.values()].filter(([, , count]) => count === n);
      const firsts = complete.map(([f]) => f);
      const spreads = complete.map(([f, l]) => l - f);
      const sum = (pick: (r: (typeof results)[number]) => number) => results.reduce((t, r) => t + pick(r), 0);
      const spread = procs > 1 ? ` in ${procs} processes` : '';
      return {
        latencies: results.flatMap((r) => r.latencies),
        cpu: `${gw.toFixed(0)} ms gateway + ${sum((r) => r.cpuMs).toFixed(0)} ms clients${spread} (${sum((r) => r.received)} messages)`,
        detail: `first receipt p50 ${ms(median(firsts))} p99 ${ms(p99(firsts))}; first to last p50 ${ms(median(spreads))} p99 ${ms(p99(spreads))} (${spreads.length} events)`,
      };
    },
  });
  const [first, ...others] = clientCounts;
  if (first !== undefined && runWs) {
    for (const n of others) {
      verdicts.push(
        await paired(`WS publish->receipt p99, ${n} clients / ${first} clients`, clients(first), clients(n)),
      );
    }
  }
  for (const line of verdicts) console.log(line);
  console.log(`load average after: ${load()}`);
} finally {
  for (const p of procs.reverse()) await p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
