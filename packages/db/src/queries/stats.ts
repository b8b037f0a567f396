// Yield over a time range (GET /api/stats): units tested, passed, failed, first-pass yield and cycle time,
// for the station and per batch and per sequence, computed by SQLite in one statement.
//
// What counts: runs that reached a verdict on their own (status completed or failed, no status reason).
// An abort, a shutdown or a crash says nothing about the unit, so it is left out. A unit is one serial
// number tested by one sequence (a run without a serial is a unit of its own); it passed or failed by its
// last run in the range, and passed first time when its first run passed and no earlier run of that
// sequence on that serial exists, in the range or before it.

import type { StationStats, YieldFigures } from '@station/model';
import { StoreError } from '../errors.ts';
import type { StoreHandle } from '../handle.ts';
import { type TimeInput, toIso } from '../time.ts';

/** The range and filters of a stats query; `from` inclusive, `to` exclusive, both on the start time. */
export interface StatsQuery {
  from: TimeInput;
  to: TimeInput;
  batchId?: string;
  sequence?: string;
}

// `runs` reads only the (started_at, ...) covering index. `ranked` numbers each unit's runs in time order
// (one sort; its last run is the one with no next), and a first run that passed is looked up in the unit's
// earlier history through the serial index, which only passing units pay for. A unit's figures on each
// batch come from its runs there by one GROUP BY: the lowest `nth` of them is its first run on that batch,
// the highest its last, and a run's pass and first-time flag ride in the low bits of the number so that
// min() and max() carry them along.
/**
 * The common head of every count of units (stats and the yield series): `runs`, the finished runs in range
 * that their unit earned, with the caller's `extra` columns; `ranked`, each unit's runs in order (`nth`,
 * `latest`); `flagged`, whether a first run that passed is the unit's first ever (`first_time`). One text,
 * so the two counts cannot drift apart.
 */
export function unitRunsSql(extra: string): string {
  return `runs AS (
  SELECT id, sequence_name, serial_number, coalesce(serial_number, '#' || id) AS unit,
         started_at, overall_pass AS pass, duration, ${extra}
  FROM executions
  WHERE started_at >= $from AND started_at < $to
    AND status IN ('completed', 'failed') AND status_reason IS NULL
    AND ($batch IS NULL OR batch_id = $batch)
    AND ($sequence IS NULL OR sequence_name = $sequence)
),
ranked AS (
  SELECT runs.*, row_number() OVER s AS nth, lead(1) OVER s IS NULL AS latest
  FROM runs
  WINDOW s AS (PARTITION BY sequence_name, unit ORDER BY started_at, id)
),
flagged AS MATERIALIZED (
  SELECT ranked.*,
    CASE WHEN nth = 1 AND pass = 1 THEN
      serial_number IS NULL OR NOT EXISTS (
        SELECT 1 FROM executions AS e
        WHERE e.serial_number = ranked.serial_number
          AND e.sequence_name = ranked.sequence_name
          AND (e.started_at < ranked.started_at OR (e.started_at = ranked.started_at AND e.id < ranked.id))
          AND e.status IN ('completed', 'failed') AND e.status_reason IS NULL)
    ELSE 0 END AS first_time
  FROM ranked
)`;
}

const STATS_SQL = `
WITH ${unitRunsSql('batch_id')},
batch_units AS (
  SELECT batch_id,
    max(nth * 2 + pass) % 2 AS last_pass,
    min(nth * 4 + (1 - pass) * 2 + (1 - first_time)) = 4 AS first_passed
  FROM flagged GROUP BY batch_id, sequence_name, unit
),
batch_runs AS (
  SELECT batch_id, count(*) AS runs, percentile(duration, 50) AS p50, percentile(duration, 95) AS p95
  FROM flagged GROUP BY batch_id
)
SELECT 'total' AS scope, NULL AS key,
  count(*) FILTER (WHERE nth = 1) AS units,
  count(*) FILTER (WHERE latest AND pass = 1) AS passed,
  count(*) FILTER (WHERE latest AND pass = 0) AS failed,
  count(*) FILTER (WHERE first_time = 1) AS first_passed,
  count(*) AS runs, percentile(duration, 50) AS p50, percentile(duration, 95) AS p95
FROM flagged
UNION ALL
SELECT 'sequence', sequence_name,
  count(*) FILTER (WHERE nth = 1),
  count(*) FILTER (WHERE latest AND pass = 1),
  count(*) FILTER (WHERE latest AND pass = 0),
  count(*) FILTER (WHERE first_time = 1),
  count(*), percentile(duration, 50), percentile(duration, 95)
FROM flagged GROUP BY sequence_name
UNION ALL
SELECT 'batch', u.batch_id, u.units, u.passed, u.units - u.passed, u.first_passed, r.runs, r.p50, r.p95
FROM (SELECT batch_id, count(*) AS units, sum(last_pass) AS passed, sum(first_passed) AS first_passed
      FROM batch_units GROUP BY batch_id) AS u
JOIN batch_runs AS r USING (batch_id)
`;

interface StatsRow {
  scope: 'total' | 'sequence' | 'batch';
  key: string | null;
  units: number;
  passed: number;
  failed: number;
  first_passed: number;
  runs: number;
  p50: number | null;
  p95: number | null;
}

/** Seconds to the millisecond: interpolation leaves float noise no one reads. */
function millis(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 1000) / 1000;
}

function figures(row: StatsRow): YieldFigures {
  return {
    unitsTested: row.units,
    passed: row.passed,
    failed: row.failed,
    firstPassed: row.first_passed,
    firstPassYield: row.units > 0 ? row.first_passed / row.units : null,
    runs: row.runs,
    cycleTime: { p50: millis(row.p50), p95: millis(row.p95) },
  };
}

/** Yield of the runs started in [from, to), optionally of one batch and/or one sequence. */
export function stationStats(store: StoreHandle, query: StatsQuery): StationStats {
  const from = toIso(query.from, 'from');
  const to = toIso(query.to, 'to');
  if (from > to) throw new StoreError('INVALID_ARGUMENT', `from (${from}) is after to (${to})`);
  const rows = store.sqlite.query<StatsRow, Record<string, string | null>>(STATS_SQL).all({
    $from: from,
    $to: to,
    $batch: query.batchId ?? null,
    $sequence: query.sequence ?? null,
  });
  const total = rows.find((r) => r.scope === 'total');
  const byKey = (r: StatsRow) => r.key ?? '';
  return {
    from,
    to,
    batchId: query.batchId ?? null,
    sequence: query.sequence ?? null,
    total: total
      ? figures(total)
      : figures({
          scope: 'total',
          key: null,
          units: 0,
          passed: 0,
          failed: 0,
          first_passed: 0,
          runs: 0,
          p50: null,
          p95: null,
        }),
    batches: rows
      .filter((r) => r.scope === 'batch')
      .map((r) => ({ batchId: byKey(r), ...figures(r) }))
      .sort((a, b) => a.batchId.localeCompare(b.batchId)),
    sequences: rows
      .filter((r) => r.scope === 'sequence')
      .map((r) => ({ sequenceName: byKey(r), ...figures(r) }))
      .sort((a, b) => a.sequenceName.localeCompare(b.sequenceName)),
  };
}
