/**
 * Side-by-side benchmark: @station/zmtp on Bun against zeromq.js (libzmq) on Node, same shapes, same run.
 * Usage: bun bench/zmtp/run.ts [--runs=3] [--quick] [--warmup=20000] [--mechanism=null,curve]
 * Each case runs `runs` times (ours and theirs interleaved); the median is reported with the range.
 * CURVE cases (shapes marked ", CURVE") run over tcp, where remote batch hosts use it: PUB/SUB throughput
 * and unpinned DEALER/ROUTER and REQ/REP round trips, same counts as the NULL ones.
 */
import { loadavg } from 'node:os';
import { curveKeyPair } from '@station/zmtp';
import {
  brokered,
  type Counts,
  type CurveKeys,
  echoFloor,
  fanOut,
  type Latency,
  type Mechanism,
  roundTrip,
  type Transport,
} from './cases.ts';
import { median } from './stats.ts';
import { type GcRow, type Row, renderGcTable, renderTable } from './table.ts';
import type { Impl } from './worker.ts';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const runsArg = process.argv.find((arg) => arg.startsWith('--runs='));
const runs = runsArg === undefined ? (quick ? 1 : 3) : Number(runsArg.slice('--runs='.length));

const warmupArg = process.argv.find((arg) => arg.startsWith('--warmup='));

// Warm-up is long on purpose: JavaScriptCore compiles hot paths (DFG, then FTL) on background threads for
// the first several thousand round trips, and pinned to one core those threads take turns with the round
// trips. After 5,000 warm-up round trips each of our processes still spent about 240 ms compiling inside
// the 10,000 measured ones, and that set our pinned p99 (2x libzmq's); after 20,000 it is about 10 ms.
// The "Ours JIT ms" column shows how much compiling still overlaps the measurement.
const counts: Counts = quick
  ? { roundTrips: 1000, warmup: 100, probe: 200, published: (subs) => (subs === 1 ? 20_000 : 5000) }
  : {
      roundTrips: 10_000,
      warmup: 20_000,
      probe: 1000,
      published: (subs) => (subs === 1 ? 100_000 : 20_000),
    };
if (warmupArg !== undefined) counts.warmup = Number(warmupArg.slice('--warmup='.length));

const mechanismArg = process.argv.find((arg) => arg.startsWith('--mechanism='));
const mechanisms = (mechanismArg?.slice('--mechanism='.length) ?? 'null,curve').split(',');
for (const mechanism of mechanisms) {
  if (mechanism !== 'null' && mechanism !== 'curve') {
    process.stderr.write(`--mechanism takes null and/or curve, not '${mechanism}'\n`);
    process.exit(2);
  }
}
const measures = (mechanism: Mechanism) => mechanisms.includes(mechanism);
// Fresh key pairs each benchmark run; both implementations use the same ones.
const curve: CurveKeys = { server: curveKeyPair(), client: curveKeyPair() };

const transports: Transport[] = ['tcp', 'ipc'];
const impls: Impl[] = ['ours', 'theirs'];

/** One measured quantity of one case, collected over the runs. */
interface Series {
  shape: string;
  transport: Transport;
  pinning: 'unpinned' | 'pinned' | '-';
  metric: 'msgs/s' | 'p50 µs' | 'p99 µs';
  values: Record<Impl | 'floor', number[]>;
}

const series = new Map<string, Series>();

// The whole benchmark stays bounded even when cases hang: later cases are skipped past the budget.
// About 3.5 minutes a run on the 2-core VM (NULL), plus about 1 for CURVE; the budget leaves room for a
// slow, loaded one.
const budgetMs = runs * 8 * 60_000;
const began = performance.now();

function record(key: Omit<Series, 'values'>, impl: Impl | 'floor', value: number): void {
  const id = `${key.shape}|${key.transport}|${key.pinning}|${key.metric}`;
  let entry = series.get(id);
  if (entry === undefined) {
    entry = { ...key, values: { ours: [], theirs: [], floor: [] } };
    series.set(id, entry);
  }
  entry.values[impl].push(value);
}

/** Runs one measurement; a failed or hung run is reported and counted as missing, not fatal. */
async function attempt<T>(label: string, run: () => Promise<T>): Promise<T | undefined> {
  if (performance.now() - began > budgetMs) {
    process.stderr.write(`  ${label}: skipped, over the ${budgetMs / 60_000} min budget\n`);
    return undefined;
  }
  const started = performance.now();
  try {
    const value = await run();
    process.stderr.write(
      `  ${label}: ${JSON.stringify(value)} (${Math.round(performance.now() - started)} ms)\n`,
    );
    return value;
  } catch (error) {
    process.stderr.write(`  ${label}: FAILED ${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  }
}

/** GC and allocation figures of one round-trip case, collected over the runs. */
type GcSeries = Omit<GcRow, 'values'> & { values: Record<keyof GcRow['values'], number[]> };
const gcSeries = new Map<string, GcSeries>();

function recordLatency(
  shape: string,
  transport: Transport,
  pinned: boolean,
  impl: Impl | 'floor',
  latency: Latency | undefined,
): void {
  const pinning = pinned ? 'pinned' : 'unpinned';
  record({ shape, transport, pinning, metric: 'p50 µs' }, impl, latency?.p50 ?? Number.NaN);
  record({ shape, transport, pinning, metric: 'p99 µs' }, impl, latency?.p99 ?? Number.NaN);
  const id = `${shape}|${transport}|${pinning}`;
  let entry = gcSeries.get(id);
  if (entry === undefined) {
    const values = {
      objects: [],
      bytes: [],
      oursGcs: [],
      oursPause: [],
      oursMaxPause: [],
      oursJit: [],
      theirsGcs: [],
      theirsPause: [],
      theirsMaxPause: [],
    };
    entry = { shape, transport, pinning, values };
    gcSeries.set(id, entry);
  }
  const gc = latency?.gc;
  const side = impl === 'theirs' ? 'theirs' : 'ours';
  entry.values[`${side}Gcs`].push(gc?.count ?? Number.NaN);
  entry.values[`${side}Pause`].push(gc?.pauseMs ?? Number.NaN);
  entry.values[`${side}MaxPause`].push(gc?.maxPauseMs ?? Number.NaN);
  if (impl !== 'theirs') entry.values.oursJit.push(gc?.jitMs ?? Number.NaN);
  if (impl !== 'theirs') {
    entry.values.objects.push(latency?.alloc?.objects ?? Number.NaN);
    entry.values.bytes.push(latency?.alloc?.bytes ?? Number.NaN);
  }
}

const loadBefore = loadavg()[0] ?? Number.NaN;
for (let run = 1; run <= runs; run += 1) {
  process.stderr.write(`run ${run}/${runs}\n`);
  if (measures('curve')) {
    for (const subscribers of [1, 10]) {
      for (const impl of impls) {
        const label = `${impl} PUB/SUB x${subscribers} tcp CURVE`;
        const rate = await attempt(label, () => fanOut(impl, subscribers, 'tcp', counts, curve));
        const shape = `PUB/SUB, ${subscribers} sub${subscribers === 1 ? '' : 's'}, CURVE`;
        record({ shape, transport: 'tcp', pinning: '-', metric: 'msgs/s' }, impl, rate ?? Number.NaN);
      }
    }
    for (const impl of impls) {
      for (const [shape, pattern] of [
        ['DEALER/ROUTER, CURVE', 'dealer-router'],
        ['REQ/REP, CURVE', 'req-rep'],
      ] as const) {
        const latency = await attempt(`${impl} ${shape} tcp unpinned`, () =>
          roundTrip(impl, pattern, 'tcp', false, counts, curve),
        );
        recordLatency(shape, 'tcp', false, impl, latency);
      }
    }
  }
  if (!measures('null')) continue;
  for (const transport of transports) {
    for (const subscribers of [1, 10]) {
      for (const impl of impls) {
        const label = `${impl} PUB/SUB x${subscribers} ${transport}`;
        const rate = await attempt(label, () => fanOut(impl, subscribers, transport, counts));
        const shape = `PUB/SUB, ${subscribers} sub${subscribers === 1 ? '' : 's'}`;
        record({ shape, transport, pinning: '-', metric: 'msgs/s' }, impl, rate ?? Number.NaN);
      }
    }
  }
  for (const pinned of [false, true]) {
    const pin = pinned ? 'pinned' : 'unpinned';
    for (const transport of transports) {
      for (const impl of impls) {
        for (const [shape, pattern] of [
          ['DEALER/ROUTER', 'dealer-router'],
          ['REQ/REP', 'req-rep'],
        ] as const) {
          const latency = await attempt(`${impl} ${shape} ${transport} ${pin}`, () =>
            roundTrip(impl, pattern, transport, pinned, counts),
          );
          recordLatency(shape, transport, pinned, impl, latency);
        }
        const latency = await attempt(`${impl} broker ${transport} ${pin}`, () =>
          brokered(impl, transport, pinned, counts),
        );
        recordLatency('Broker (3 processes)', transport, pinned, impl, latency);
      }
      const floor = await attempt(`Bun echo floor ${transport} ${pin}`, () =>
        echoFloor(transport, pinned, counts),
      );
      recordLatency('Plain Bun socket echo', transport, pinned, 'floor', floor);
    }
  }
}

// NULL rows first, then the CURVE ones (which ran first in each pass).
const curveLast = <T extends { shape: string }>(entries: Iterable<T>): T[] =>
  [...entries].sort((a, b) => Number(a.shape.endsWith('CURVE')) - Number(b.shape.endsWith('CURVE')));

const rows: Row[] = curveLast(series.values()).map((entry) => ({
  shape: entry.shape,
  transport: entry.transport,
  pinning: entry.pinning,
  metric: entry.metric,
  ours: median(entry.values.ours),
  theirs: median(entry.values.theirs),
  floor: median(entry.values.floor),
  runs: entry.values,
}));

process.stdout.write(renderTable(rows));
const gcRows: GcRow[] = curveLast(gcSeries.values()).map((entry) => ({
  ...entry,
  values: {
    objects: median(entry.values.objects),
    bytes: median(entry.values.bytes),
    oursGcs: median(entry.values.oursGcs),
    oursPause: median(entry.values.oursPause),
    oursMaxPause: median(entry.values.oursMaxPause),
    oursJit: median(entry.values.oursJit),
    theirsGcs: median(entry.values.theirsGcs),
    theirsPause: median(entry.values.theirsPause),
    theirsMaxPause: median(entry.values.theirsMaxPause),
  },
}));
process.stdout.write(`\n${renderGcTable(gcRows, counts.roundTrips)}`);
process.stdout.write(
  `\n${runs} run(s) per case, median; round trips ${counts.roundTrips} (+${counts.warmup} warm-up), ` +
    `${Math.round((performance.now() - began) / 1000)} s total; ` +
    // The machine is shared: the 1-minute load average says how much the numbers can be trusted.
    `load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? Number.NaN).toFixed(1)} after.\n`,
);
