// A measurement across the last finished runs of a sequence (GET /api/trends/{sequence}/{measurement} and
// the gateway's drift alarm): the numeric readings, newest last, with the chart figures and rule breaks
// of @station/model's controlFigures.
//
// What counts: runs that reached a verdict (status completed or failed), as for the yield; a reading that is
// not a finite number is left out. Walks the sequence's newest TREND_SEARCH_RUNS finished runs by its
// (sequence, started_at, id) index and each run's measurements by the execution index, and stops after
// `last` readings.

import { controlFigures, type MeasurementTrend } from '@station/model';
import type { StoreHandle } from '../handle.ts';

/** Readings a trend holds unless asked otherwise, and the most it holds. */
export const DEFAULT_TREND_POINTS = 50;
export const MAX_TREND_POINTS = 500;

export interface TrendQuery {
  sequence: string;
  measurement: string;
  /** Readings, newest kept (1..MAX_TREND_POINTS). */
  last?: number;
  /** Only runs of this batch. */
  batchId?: string;
}

interface TrendRow {
  executionId: string;
  serialNumber: string | null;
  at: string;
  value: number;
  unit: string | null;
  low: number | null;
  high: number | null;
}

/**
 * Runs of the sequence searched for readings, newest first: bounds what a name no recent run measured
 * (a typo, a retired measurement) costs, whatever the size of the store.
 */
export const TREND_SEARCH_RUNS = 5000;

const TREND_SQL = `
WITH recent AS (
  SELECT id, serial_number, started_at
  FROM executions
  WHERE sequence_name = $sequence AND status IN ('completed', 'failed')
    AND ($batch IS NULL OR batch_id = $batch)
  ORDER BY started_at DESC, id DESC
  LIMIT ${TREND_SEARCH_RUNS}
)
SELECT e.id AS executionId, e.serial_number AS serialNumber, e.started_at AS at,
       m.value AS value, m.unit AS unit, m.low AS low, m.high AS high
FROM recent AS e
JOIN measurements AS m ON m.execution_id = e.id
WHERE m.name = $measurement AND m.value IS NOT NULL
ORDER BY e.started_at DESC, e.id DESC, m.id DESC
LIMIT $last`;

const SEQUENCE_SQL = 'SELECT 1 FROM executions WHERE sequence_name = $sequence LIMIT 1';

/**
 * The trend of one measurement, or why there is none: `unknown-sequence` when no run of the sequence is on
 * record, `unknown-measurement` when none of its newest TREND_SEARCH_RUNS finished runs (of the batch, if given)
 * has a numeric reading of that name.
 */
export function measurementTrend(
  store: StoreHandle,
  q: TrendQuery,
): MeasurementTrend | 'unknown-sequence' | 'unknown-measurement' {
  const last = Math.min(Math.max(1, Math.trunc(q.last ?? DEFAULT_TREND_POINTS)), MAX_TREND_POINTS);
  const rows = store.sqlite
    .query<TrendRow, Record<string, string | number | null>>(TREND_SQL)
    .all({ sequence: q.sequence, measurement: q.measurement, batch: q.batchId ?? null, last })
    .filter((r) => Number.isFinite(r.value))
    .reverse();
  if (rows.length === 0) {
    const known = store.sqlite.query(SEQUENCE_SQL).get({ sequence: q.sequence }) !== null;
    return known ? 'unknown-measurement' : 'unknown-sequence';
  }
  const newest = rows.at(-1) as TrendRow;
  const figures = controlFigures(
    rows.map((r) => r.value),
    newest.low,
    newest.high,
  );
  const points = rows.map((r, i) => ({
    executionId: r.executionId,
    serialNumber: r.serialNumber,
    value: r.value,
    at: r.at,
    violations: figures.violations[i] ?? [],
  }));
  return {
    sequenceName: q.sequence,
    measurement: q.measurement,
    unit: newest.unit,
    points,
    mean: figures.mean,
    sigma: figures.sigma,
    ucl: figures.ucl,
    lcl: figures.lcl,
    low: newest.low,
    high: newest.high,
    cpk: figures.cpk,
    violations: [...new Set(points.flatMap((p) => p.violations))].sort((a, b) => a - b),
  };
}
