// Yield over time and the cycle time histogram (GET /api/stats/series): units, verdicts, first-pass yield
// and runs per hour, shift or day of the screen's local time, and how long the runs took.
//
// Counted as stationStats counts them (stats.ts): a unit is a serial tested by a sequence, runs without a
// verdict of their own are left out, a unit passed first time when its first run ever passed. A unit goes
// in the bucket of its first run in the range (so the buckets add up to the range's total); a run in the
// bucket it started in. SQLite sums per local hour; shifts and days are whole local hours, added up here.

import {
  type CycleTimeBin,
  DEFAULT_SHIFTS,
  type YieldBucket,
  type YieldBucketKind,
  type YieldSeries,
} from '@station/model';
import { StoreError } from '../errors.ts';
import type { StoreHandle } from '../handle.ts';
import { type TimeInput, toIso } from '../time.ts';
import { unitRunsSql } from './stats.ts';

export interface YieldSeriesQuery {
  from: TimeInput;
  to: TimeInput;
  bucket: YieldBucketKind;
  /** Minutes east of UTC of the screen's clock (Seoul: 540). Default 0. */
  utcOffset?: number;
  /** Local hours shifts start at (0-23); default DEFAULT_SHIFTS. */
  shifts?: readonly number[];
  batchId?: string;
  sequence?: string;
  /** Most bars of the cycle time histogram (2-100, default 20). */
  bins?: number;
}

const HOUR = 3600;

// `runs`, `ranked` and the first-time flag from stats.ts (unitRunsSql). `hour` is the run's local hour as whole hours
// since the epoch (the offset moved in before dividing, so a +05:30 screen gets its own hour edges).
const RUNS_SQL = `
WITH ${unitRunsSql(`(CAST(strftime('%s', started_at) AS INTEGER) + $offset) / ${HOUR} AS hour`)},
units AS (
  SELECT max(CASE WHEN nth = 1 THEN hour END) AS hour, max(nth * 2 + pass) % 2 AS last_pass,
         max(first_time) AS first_passed
  FROM flagged GROUP BY sequence_name, unit
)
SELECT 'units' AS kind, hour, count(*) AS n, sum(last_pass) AS passed, sum(first_passed) AS first_passed
FROM units GROUP BY hour
UNION ALL
SELECT 'runs', hour, count(*), 0, 0 FROM flagged GROUP BY hour`;

const DURATIONS_SQL = `
SELECT duration FROM executions
WHERE started_at >= $from AND started_at < $to
  AND status IN ('completed', 'failed') AND status_reason IS NULL AND duration IS NOT NULL
  AND ($batch IS NULL OR batch_id = $batch)
  AND ($sequence IS NULL OR sequence_name = $sequence)
ORDER BY duration`;

interface HourRow {
  kind: 'units' | 'runs';
  hour: number;
  n: number;
  passed: number;
  first_passed: number;
}

/** Seconds to the millisecond: interpolation leaves float noise no one reads. */
const millis = (s: number) => Math.round(s * 1000) / 1000;

/** The p-th percentile (0..1) of sorted values, interpolated between neighbours as SQLite's percentile(). */
export function percentileOf(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (b - a) * (at - lo);
}

/** The smallest of 1, 2, 5 times a power of ten that is at least `raw` (a bar width people read). */
export function niceWidth(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw * (1 - 1e-9)) return m * power;
  return 10 * power;
}

/**
 * The histogram of sorted durations in at most `maxBins` bars of one nice width, the first starting at a
 * multiple of the width; the last bar includes its end, so it holds the longest run.
 */
export function histogram(
  sorted: readonly number[],
  maxBins: number,
): { width: number | null; bins: CycleTimeBin[] } {
  if (sorted.length === 0) return { width: null, bins: [] };
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  let width = niceWidth((max - min) / maxBins);
  let start = Math.floor(min / width) * width;
  const bars = () => Math.max(1, Math.ceil((max - start) / width - 1e-9));
  // Flooring the start can push the longest run one bar past the limit: widen once more.
  while (bars() > maxBins) {
    width = niceWidth(width * 1.01);
    start = Math.floor(min / width) * width;
  }
  const count = bars();
  const bins: CycleTimeBin[] = Array.from({ length: count }, (_, i) => ({
    from: millis(start + i * width),
    to: millis(start + (i + 1) * width),
    runs: 0,
  }));
  for (const d of sorted) (bins[Math.min(count - 1, Math.floor((d - start) / width))] as CycleTimeBin).runs++;
  return { width, bins };
}

/**
 * The local hour (whole hours since the epoch, local time) that the bucket holding local hour `h` starts
 * at: the hour itself, the day's midnight, or the latest shift start at or before it (the day before's
 * last shift for hours before the first start).
 */
export function bucketStart(h: number, bucket: YieldBucketKind, shifts: readonly number[]): number {
  if (bucket === 'hour') return h;
  const day = Math.floor(h / 24) * 24;
  if (bucket === 'day') return day;
  const hourOfDay = h - day;
  const starts = shifts.filter((s) => s <= hourOfDay);
  return starts.length > 0 ? day + (starts.at(-1) as number) : day - 24 + (shifts.at(-1) as number);
}

function checkShifts(shifts: readonly number[]): number[] {
  const ok =
    shifts.length >= 1 &&
    shifts.length <= 24 &&
    shifts.every(
      (s, i) => Number.isInteger(s) && s >= 0 && s <= 23 && (i === 0 || s > (shifts[i - 1] as number)),
    );
  if (!ok) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `shifts: 1-24 whole local hours 0-23 in ascending order, got ${JSON.stringify(shifts)}`,
    );
  }
  return [...shifts];
}

/** First-pass yield per bucket and the cycle time histogram of the runs started in [from, to). */
export function yieldSeries(store: StoreHandle, q: YieldSeriesQuery): YieldSeries {
  const from = toIso(q.from, 'from');
  const to = toIso(q.to, 'to');
  if (from > to) throw new StoreError('INVALID_ARGUMENT', `from (${from}) is after to (${to})`);
  const utcOffset = q.utcOffset ?? 0;
  if (!Number.isInteger(utcOffset) || Math.abs(utcOffset) > 14 * 60) {
    throw new StoreError('INVALID_ARGUMENT', `utcOffset: whole minutes from -840 to 840, got ${utcOffset}`);
  }
  const shifts = checkShifts(q.shifts ?? DEFAULT_SHIFTS);
  const maxBins = Math.min(100, Math.max(2, Math.trunc(q.bins ?? 20)));
  const offset = utcOffset * 60;
  const params = {
    $from: from,
    $to: to,
    $offset: offset,
    $batch: q.batchId ?? null,
    $sequence: q.sequence ?? null,
  };
  const rows = store.sqlite.query<HourRow, Record<string, string | number | null>>(RUNS_SQL).all(params);

  // Every bucket overlapping the range, keyed by its first local hour.
  const localHour = (iso: string) => Math.floor((Date.parse(iso) / 1000 + offset) / HOUR);
  const lastHour = Math.ceil((Date.parse(to) / 1000 + offset) / HOUR) - 1;
  const buckets = new Map<number, YieldBucket>();
  const iso = (h: number) => new Date((h * HOUR - offset) * 1000).toISOString();
  const ensure = (h: number): YieldBucket => {
    const start = bucketStart(h, q.bucket, shifts);
    let b = buckets.get(start);
    if (!b) {
      // The bucket ends where the next one starts: walk the hours (at most a day) until the start changes.
      let end = start + 1;
      while (bucketStart(end, q.bucket, shifts) === start) end++;
      b = {
        start: iso(start),
        end: iso(end),
        ...(q.bucket === 'shift' ? { shift: shifts.indexOf(((start % 24) + 24) % 24) + 1 } : {}),
        unitsTested: 0,
        passed: 0,
        failed: 0,
        firstPassed: 0,
        firstPassYield: null,
        runs: 0,
      };
      buckets.set(start, b);
    }
    return b;
  };
  for (let h = localHour(from); h <= Math.max(lastHour, localHour(from)); h++) ensure(h);
  for (const r of rows) {
    const b = ensure(r.hour);
    if (r.kind === 'runs') {
      b.runs += r.n;
      continue;
    }
    b.unitsTested += r.n;
    b.passed += r.passed;
    b.failed += r.n - r.passed;
    b.firstPassed += r.first_passed;
  }
  for (const b of buckets.values()) {
    b.firstPassYield = b.unitsTested > 0 ? b.firstPassed / b.unitsTested : null;
  }

  const durations = store.sqlite
    .query<{ duration: number }, Record<string, string | null>>(DURATIONS_SQL)
    .all({ $from: from, $to: to, $batch: q.batchId ?? null, $sequence: q.sequence ?? null })
    .map((r) => r.duration);
  const hist = histogram(durations, maxBins);
  const pct = (p: number) => {
    const v = percentileOf(durations, p);
    return v === null ? null : millis(v);
  };
  return {
    from,
    to,
    bucket: q.bucket,
    utcOffset,
    shifts,
    batchId: q.batchId ?? null,
    sequence: q.sequence ?? null,
    buckets: [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b),
    cycleTime: {
      runs: durations.length,
      p50: pct(0.5),
      p95: pct(0.95),
      binWidth: hist.width,
      bins: hist.bins,
    },
  };
}
