// What the station says about its units over time: one unit's history (GET /api/units/{serialNumber}) and
// yield over a range (GET /api/stats), as the store computes them.
import { type Static, Type as T } from '@sinclair/typebox';
import { Verdict } from './dut.ts';
import { ResultListItem } from './result.ts';
import { Nullable } from './schema.ts';

/** One run of a unit: a results-list row and what it said about the unit (null while it runs). */
export const UnitRun = T.Composite([ResultListItem, T.Object({ verdict: Nullable(Verdict) })]);
export type UnitRun = Static<typeof UnitRun>;

/** Every run of one serial number, newest first. */
export const UnitHistory = T.Object({
  serialNumber: T.String(),
  /** Runs of this unit on record (the list holds the newest 1000). */
  total: T.Integer(),
  runs: T.Array(UnitRun, { description: 'newest first' }),
});
export type UnitHistory = Static<typeof UnitHistory>;

/** Cycle time percentiles in seconds (interpolated); null when no run counted. */
export const CycleTime = T.Object({
  p50: Nullable(T.Number({ description: 'seconds' })),
  p95: Nullable(T.Number({ description: 'seconds' })),
});
export type CycleTime = Static<typeof CycleTime>;

/** Yield of one group of runs (the station, a batch, a sequence). */
export const YieldFigures = T.Object({
  unitsTested: T.Integer(),
  /** Units whose last run passed (a retest that passed counts here). */
  passed: T.Integer({ description: 'units whose last run passed' }),
  /** Units whose last run failed. */
  failed: T.Integer({ description: 'units whose last run failed' }),
  /** Units whose very first run of the sequence passed. */
  firstPassed: T.Integer({ description: 'units whose first run ever passed' }),
  /** firstPassed / unitsTested, null when no unit was tested. */
  firstPassYield: Nullable(T.Number({ description: 'firstPassed / unitsTested' })),
  /** Runs counted (retests included). */
  runs: T.Integer({ description: 'runs counted, retests included' }),
  cycleTime: CycleTime,
});
export type YieldFigures = Static<typeof YieldFigures>;

/** GET /api/stats: yield of the runs started in [from, to), for the station, per batch and per sequence. */
export const StationStats = T.Object({
  from: T.String(),
  to: T.String(),
  batchId: Nullable(T.String()),
  sequence: Nullable(T.String()),
  total: YieldFigures,
  /** One entry per batch that ran in the range, by id. */
  batches: T.Array(T.Composite([T.Object({ batchId: T.String() }), YieldFigures])),
  /** One entry per sequence that ran in the range, by name. */
  sequences: T.Array(T.Composite([T.Object({ sequenceName: T.String() }), YieldFigures])),
});
export type StationStats = Static<typeof StationStats>;
