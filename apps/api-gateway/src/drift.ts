// The drift alarm: when a run finishes, each numeric measurement it recorded is put at the end of its
// batch's series of that measurement (the store's last DEFAULT_TREND_POINTS finished runs) and checked
// against the control chart rules; a reading that breaks one raises `measurement_drift`. The gateway is
// its one author: it holds the store (read-only) and sees every `sequence_complete`.
import { DEFAULT_TREND_POINTS } from '@station/db';
import { type EventOf, TREND_RULE_TEXT } from '@station/model';
import type { ResultStore } from './types.ts';

/** The drift alarms of the finished run `executionId` on `batchId`, one per measurement that broke a rule. */
export function driftAlarms(
  store: Pick<ResultStore, 'getResult' | 'measurementTrend'>,
  batchId: string,
  executionId: string,
  now: number,
): EventOf<'measurement_drift'>[] {
  const run = store.getResult(executionId);
  if (!run || (run.status !== 'completed' && run.status !== 'failed')) return [];
  const names = new Set(
    run.steps.flatMap((s) =>
      s.measurements
        .filter((m) => typeof m.value === 'number' && Number.isFinite(m.value))
        .map((m) => m.name),
    ),
  );
  const alarms: EventOf<'measurement_drift'>[] = [];
  for (const measurement of names) {
    const trend = store.measurementTrend({
      sequence: run.sequenceName,
      measurement,
      batchId,
      last: DEFAULT_TREND_POINTS,
    });
    if (typeof trend === 'string') continue;
    const newest = trend.points.at(-1);
    const rule = newest?.violations[0];
    if (newest?.executionId !== executionId || rule === undefined) continue;
    alarms.push({
      type: 'measurement_drift',
      batch_id: batchId,
      data: {
        batchId,
        sequenceName: run.sequenceName,
        measurement,
        rule,
        description: `${measurement} = ${newest.value}${trend.unit ? ` ${trend.unit}` : ''}: ${TREND_RULE_TEXT[rule]} (mean ${round(trend.mean)}, sigma ${round(trend.sigma)} over the last ${trend.points.length} runs of this batch)`,
        executionId,
        value: newest.value,
        at: new Date(now).toISOString(),
      },
    });
  }
  return alarms;
}

const round = (n: number | null) => (n === null ? '-' : Number(n.toPrecision(4)));
