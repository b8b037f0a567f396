// A measurement across the last finished runs of a sequence (GET /api/trends/{sequence}/{measurement} and
// the gateway's drift alarm): the numeric readings, newest last, with the chart figures and rule breaks
// of @station/model's controlFigures.
//
// What counts: runs that reached a verdict (status completed or failed), as for the yield; a reading that is
// not a finite number is left out. Walks the sequence's runs newest first by its (sequence, started_at, id)
// index and each run's measurements by the execution index, and stops after `last` readings.

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

const TREND_SQL = `
SELECT e.id AS executionId, e.serial_number AS serialNumber, e.started_at AS at,
       m.value AS value, m.unit AS unit, m.low AS low, m.high AS high
FROM executions AS e
JOIN measurements AS m ON m.execution_id = e.id
WHERE e.sequence_name = $sequence AND m.name = $measurement AND m.value IS NOT NULL
  AND e.status IN ('completed', 'failed')
  AND ($batch IS NULL OR e.batch_id = $batch)
ORDER BY e.started_at DESC, e.id DESC, m.id DESC
LIMIT $last`;

const SEQUENCE_SQL = 'SELECT 1 FROM executions WHERE sequence_name = $sequence LIMIT 1';

/**
 * The trend of one measurement, or why there is none: `unknown-sequence` when no run of the sequence is on
 * record, `unknown-measurement` when no finished run of it (of the batch, if given) has a numeric reading.
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
