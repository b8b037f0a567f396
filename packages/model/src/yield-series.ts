// Yield over time and the spread of cycle times (GET /api/stats/series), for the station or one slot: what
// the yield screen draws. Counted as GET /api/stats counts (a unit is a serial tested by a sequence; runs
// without a verdict of their own are left out), each unit in the bucket of its first run in the range.
import { type Static, Type as T } from '@sinclair/typebox';
import { literalUnion, Nullable } from './schema.ts';

/** The buckets the yield is cut into, in the screen's local time. */
export const YIELD_BUCKETS = ['hour', 'shift', 'day'] as const;
export type YieldBucketKind = (typeof YIELD_BUCKETS)[number];

/** Shift starts (local hours) unless the request names others: three eight-hour shifts from 06:00. */
export const DEFAULT_SHIFTS: readonly number[] = [6, 14, 22];

/** One bucket of time: its units, their verdicts and first-pass yield, and the runs started in it. */
export const YieldBucket = T.Object({
  /** Where the bucket starts and ends (ISO 8601, UTC): whole local hours, shifts or days. */
  start: T.String(),
  end: T.String(),
  /** For shift buckets, which shift of the day (1 = the one starting at the first shift hour). */
  shift: T.Optional(T.Integer({ minimum: 1 })),
  unitsTested: T.Integer({ description: 'units whose first run in the range started in this bucket' }),
  passed: T.Integer({ description: 'of those, units whose last run in the range passed' }),
  failed: T.Integer({ description: 'of those, units whose last run in the range failed' }),
  firstPassed: T.Integer({ description: 'of those, units whose first run ever passed' }),
  firstPassYield: Nullable(T.Number({ description: 'firstPassed / unitsTested; null without units' })),
  runs: T.Integer({ description: 'runs started in this bucket, retests included' }),
});
export type YieldBucket = Static<typeof YieldBucket>;

/** One bar of the cycle time histogram: runs that took [from, to) seconds (the last bar includes `to`). */
export const CycleTimeBin = T.Object({
  from: T.Number({ description: 'seconds' }),
  to: T.Number({ description: 'seconds' }),
  runs: T.Integer(),
});
export type CycleTimeBin = Static<typeof CycleTimeBin>;

/** GET /api/stats/series. */
export const YieldSeries = T.Object({
  from: T.String(),
  to: T.String(),
  bucket: literalUnion(YIELD_BUCKETS),
  /** The screen's offset from UTC in minutes (east positive), which local hours and days follow. */
  utcOffset: T.Integer(),
  /** Local hours the shifts start at, ascending. */
  shifts: T.Array(T.Integer({ minimum: 0, maximum: 23 })),
  batchId: Nullable(T.String()),
  sequence: Nullable(T.String()),
  /** Every bucket that overlaps the range, oldest first, empty ones included. */
  buckets: T.Array(YieldBucket),
  cycleTime: T.Object({
    runs: T.Integer({ description: 'runs with a duration' }),
    p50: Nullable(T.Number({ description: 'seconds' })),
    p95: Nullable(T.Number({ description: 'seconds' })),
    /** Width of every bar in seconds (1, 2 or 5 times a power of ten); null without runs. */
    binWidth: Nullable(T.Number()),
    bins: T.Array(CycleTimeBin),
  }),
});
export type YieldSeries = Static<typeof YieldSeries>;
