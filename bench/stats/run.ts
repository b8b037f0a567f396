// GET /api/stats on a big store: generates a store of 1,000,000 finished executions (a year of a four-slot
// station, ~2,700 runs a day, 6% of units failing and retested, the oldest fifth from before serial numbers
// were stored), then times the stats query over one day, one day of one batch, a week and a month.
// Target: one day (what the cards and the station bar ask for) under 50 ms at 1,000,000 executions.
// It also times GET /api/stats/series (the yield screen's buckets and cycle time histogram) over each range,
// per hour for a day, per shift for a week, per day for a month.
// Run: `bun bench/stats/run.ts [executions] [store path]` (a store path reuses a store made before).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { YieldBucketKind } from '@station/model';
import { newExecutionId, openStore, type StatsQuery } from '../../packages/db/src/index.ts';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const given = process.argv[3];
const TARGET_MS = 50;
const RUNS = 15;
const DAYS = 365;
const DAY = 24 * 3600_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const BATCHES = ['slot_1', 'slot_2', 'slot_3', 'slot_4'];
const SEQUENCES = ['psu_functional', 'psu_burn_in'];

const dir = given ? undefined : mkdtempSync(join(tmpdir(), 'bench-stats-'));
const path = given ?? join(dir!, 'station.db');
const fresh = !existsSync(path);
const store = openStore(path);

// Deterministic pseudo-random numbers, so two runs build the same store.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};

function generate(): void {
  const insert = store.sqlite.prepare(
    `INSERT INTO executions (id, batch_id, sequence_name, sequence_version, package_hash, status,
       overall_pass, parameters, started_at, completed_at, duration, serial_number, part_number)
     VALUES (?, ?, ?, '1.0.0', 'sha256:bench', ?, ?, '{}', ?, ?, ?, ?, ?)`,
  );
  const perDay = TOTAL / DAYS;
  const spacing = DAY / perDay;
  let unit = 0;
  let made = 0;
  const t = performance.now();
  const chunk = 20_000;
  while (made < TOTAL) {
    store.sqlite.transaction(() => {
      for (let i = 0; i < chunk && made < TOTAL; i++) {
        const startMs = T0 + made * spacing;
        const serial = made < TOTAL / 5 ? null : `SN${String(unit).padStart(8, '0')}`;
        const batch = BATCHES[unit % BATCHES.length]!;
        const sequence = SEQUENCES[unit % 7 === 0 ? 1 : 0]!;
        // A failed unit is retested right after (80% pass then); the retest is the next row.
        const pass = random() > 0.06;
        const duration = 30 + random() * 30;
        const status = pass ? 'completed' : 'failed';
        insert.run(
          newExecutionId(startMs),
          batch,
          sequence,
          status,
          pass ? 1 : 0,
          new Date(startMs).toISOString(),
          new Date(startMs + duration * 1000).toISOString(),
          duration,
          serial,
          serial ? 'PSU-12V' : null,
        );
        made++;
        if (pass || made >= TOTAL) unit++;
        else {
          const retestMs = T0 + made * spacing;
          const retestPass = random() > 0.2;
          insert.run(
            newExecutionId(retestMs),
            BATCHES[(unit + 1) % BATCHES.length]!,
            sequence,
            retestPass ? 'completed' : 'failed',
            retestPass ? 1 : 0,
            new Date(retestMs).toISOString(),
            new Date(retestMs + duration * 1000).toISOString(),
            duration,
            serial,
            serial ? 'PSU-12V' : null,
          );
          made++;
          unit++;
        }
      }
    })();
  }
  store.sqlite.exec('ANALYZE');
  console.log(
    `generated ${made.toLocaleString('en')} executions in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
}

if (fresh) generate();
const rows = (store.sqlite.query('SELECT count(*) AS n FROM executions').get() as { n: number }).n;
console.log(`store: ${path} (${rows.toLocaleString('en')} executions)`);

const lastDay = T0 + (DAYS - 1) * DAY;
const cases: { name: string; query: StatsQuery; bucket: YieldBucketKind }[] = [
  { name: 'one day', query: { from: lastDay, to: lastDay + DAY }, bucket: 'hour' },
  {
    name: 'one day, one batch',
    query: { from: lastDay, to: lastDay + DAY, batchId: 'slot_2' },
    bucket: 'hour',
  },
  { name: 'one week', query: { from: lastDay - 6 * DAY, to: lastDay + DAY }, bucket: 'shift' },
  { name: 'one month', query: { from: lastDay - 29 * DAY, to: lastDay + DAY }, bucket: 'day' },
];

/** Median and worst of RUNS calls of `fn`, in ms. */
function time(fn: () => unknown): { median: number; max: number } {
  fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(RUNS / 2)]!, max: times.at(-1)! };
}

console.log(
  `case                 runs counted   units   FPY      median ms   max ms   series median/max ms   (target: one day < ${TARGET_MS} ms)`,
);
let dayMedian = Number.POSITIVE_INFINITY;
for (const c of cases) {
  const times: number[] = [];
  let stats = store.stationStats(c.query);
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    stats = store.stationStats(c.query);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)]!;
  if (c.name === 'one day') dayMedian = median;
  const fpy = stats.total.firstPassYield;
  const series = time(() => store.yieldSeries({ ...c.query, bucket: c.bucket, utcOffset: 540 }));
  console.log(
    `${c.name.padEnd(20)} ${String(stats.total.runs).padStart(12)} ${String(stats.total.unitsTested).padStart(7)}   ${fpy === null ? '-' : `${(fpy * 100).toFixed(1)}%`}    ${median.toFixed(1).padStart(9)}   ${times.at(-1)!.toFixed(1).padStart(6)}   ${`${series.median.toFixed(1)}/${series.max.toFixed(1)} (${c.bucket})`.padStart(20)}`,
  );
}
console.log(
  `one day: ${dayMedian.toFixed(1)} ms median, target < ${TARGET_MS} ms: ${dayMedian < TARGET_MS ? 'met' : 'MISSED'}`,
);
store.close();
if (dir) rmSync(dir, { recursive: true, force: true });
process.exitCode = dayMedian < TARGET_MS ? 0 : 1;
