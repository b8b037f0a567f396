// A measurement across the last units of a sequence as a control chart (GET /api/trends/{sequence}/
// {measurement}): mean, sigma, +/-3 sigma control limits, the spec limits, Cpk, and the points that break
// the Western Electric / Nelson rules; and the drift alarm (`measurement_drift`) a finished run raises
// when its own point breaks one. The rules are pure arithmetic over the series, computed here once.
import { type Static, Type as T } from '@sinclair/typebox';
import { Nullable } from './schema.ts';

/**
 * The rules checked, by their Nelson number. A point carries a rule when the pattern ends at it:
 * 1: the point is beyond 3 sigma from the mean.
 * 2: it is the 8th (or later) point in a row on the same side of the mean (the Western Electric count
 *    of 8, as an engineer says it; Nelson counts 9). A point on the mean breaks the row.
 * 3: it is the 6th (or later) point in a row each strictly above (or below) the one before.
 * 5: it is beyond 2 sigma, and 2 of the last 3 points are beyond 2 sigma on its side.
 * 6: it is beyond 1 sigma, and 4 of the last 5 points are beyond 1 sigma on its side.
 * With sigma 0 (a constant series) no point is beyond any sigma and none is off the mean, so only rule 3
 * can fire, and it cannot on a constant series.
 */
export const TREND_RULES = [1, 2, 3, 5, 6] as const;
export type TrendRule = (typeof TREND_RULES)[number];
export const TrendRuleSchema = T.Union(
  [T.Literal(1), T.Literal(2), T.Literal(3), T.Literal(5), T.Literal(6)],
  {
    description: 'Nelson rule number',
  },
);

/** Points in a row on one side of the mean that break rule 2. */
export const SAME_SIDE_RUN = 8;
/** Points in a row rising or falling that break rule 3. */
export const MONOTONE_RUN = 6;

/** Plain words for each rule, as the alarm and the chart say them. */
export const TREND_RULE_TEXT: Record<TrendRule, string> = {
  1: 'one point beyond 3 sigma from the mean',
  2: `${SAME_SIDE_RUN} points in a row on one side of the mean`,
  3: `${MONOTONE_RUN} points in a row steadily rising or falling`,
  5: '2 of 3 points beyond 2 sigma on the same side',
  6: '4 of 5 points beyond 1 sigma on the same side',
};

/** One reading of the series, oldest first. */
export const TrendPoint = T.Object({
  executionId: T.String(),
  serialNumber: Nullable(T.String()),
  value: T.Number(),
  /** When the run started (ISO 8601). */
  at: T.String(),
  violations: T.Array(TrendRuleSchema, { description: 'rules whose pattern ends at this point' }),
});
export type TrendPoint = Static<typeof TrendPoint>;

/** GET /api/trends/{sequence}/{measurement}. */
export const MeasurementTrend = T.Object({
  sequenceName: T.String(),
  measurement: T.String(),
  unit: Nullable(T.String()),
  points: T.Array(TrendPoint, { description: 'oldest first, newest last' }),
  mean: Nullable(T.Number()),
  /** Sample standard deviation (n - 1); null below 2 points. */
  sigma: Nullable(T.Number()),
  ucl: Nullable(T.Number({ description: 'mean + 3 sigma' })),
  lcl: Nullable(T.Number({ description: 'mean - 3 sigma' })),
  /** Spec limits of the newest point. */
  low: Nullable(T.Number()),
  high: Nullable(T.Number()),
  /** min of (high - mean) / 3 sigma and (mean - low) / 3 sigma over the limits that exist; null without a limit or with sigma 0. */
  cpk: Nullable(T.Number()),
  /** Every rule broken somewhere in the series. */
  violations: T.Array(TrendRuleSchema),
});
export type MeasurementTrend = Static<typeof MeasurementTrend>;

/**
 * `measurement_drift` data: a finished run's reading broke a rule as the newest point of its batch's
 * series of that measurement (the lowest-numbered rule it broke).
 */
export const MeasurementDrift = T.Object({
  batchId: T.String(),
  sequenceName: T.String(),
  measurement: T.String(),
  rule: TrendRuleSchema,
  description: T.String(),
  executionId: T.String(),
  value: T.Number(),
  /** When the gateway saw it (ISO 8601). */
  at: T.String(),
});
export type MeasurementDrift = Static<typeof MeasurementDrift>;

/** The chart figures of a series of values. */
export interface ControlFigures {
  mean: number | null;
  sigma: number | null;
  ucl: number | null;
  lcl: number | null;
  cpk: number | null;
  /** Per value, the rules whose pattern ends there. */
  violations: TrendRule[][];
}

/** Mean, sample sigma, control limits, Cpk against `low`/`high` and the rule breaks of `values`. */
export function controlFigures(
  values: readonly number[],
  low: number | null,
  high: number | null,
): ControlFigures {
  const n = values.length;
  if (n === 0) return { mean: null, sigma: null, ucl: null, lcl: null, cpk: null, violations: [] };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sigma = n < 2 ? null : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const s = sigma ?? 0;
  const sides = [
    high === null ? null : (high - mean) / (3 * s),
    low === null ? null : (mean - low) / (3 * s),
  ];
  const caps = sides.filter((c): c is number => c !== null && Number.isFinite(c));
  return {
    mean,
    sigma,
    ucl: sigma === null ? null : mean + 3 * sigma,
    lcl: sigma === null ? null : mean - 3 * sigma,
    cpk: s > 0 && caps.length > 0 ? Math.min(...caps) : null,
    violations: ruleBreaks(values, mean, s),
  };
}

/** Per value, the rules (of TREND_RULES) whose pattern ends at it, given the series' mean and sigma. */
export function ruleBreaks(values: readonly number[], mean: number, sigma: number): TrendRule[][] {
  // Side of each point beyond k sigma: +1 above, -1 below, 0 within (always 0 when sigma is 0).
  const beyond = (v: number, k: number) =>
    sigma > 0 && Math.abs(v - mean) > k * sigma ? Math.sign(v - mean) : 0;
  const side = values.map((v) => (sigma > 0 ? Math.sign(v - mean) : 0));
  let sameSide = 0;
  let trend = 0;
  return values.map((v, i) => {
    const rules: TrendRule[] = [];
    if (beyond(v, 3) !== 0) rules.push(1);
    sameSide = side[i] !== 0 && i > 0 && side[i] === side[i - 1] ? sameSide + 1 : side[i] !== 0 ? 1 : 0;
    if (sameSide >= SAME_SIDE_RUN) rules.push(2);
    const step = i > 0 ? Math.sign(v - (values[i - 1] as number)) : 0;
    const prevStep = i > 1 ? Math.sign((values[i - 1] as number) - (values[i - 2] as number)) : 0;
    // trend counts the points of the current strictly rising or falling run.
    trend = step === 0 ? 1 : step === prevStep ? trend + 1 : 2;
    if (trend >= MONOTONE_RUN) rules.push(3);
    if (countBeyond(values, i, 3, 2, beyond) >= 2) rules.push(5);
    if (countBeyond(values, i, 5, 1, beyond) >= 4) rules.push(6);
    return rules;
  });
}

/** Of the `window` points ending at `i`, how many are beyond `k` sigma on the side of point `i` (0 when it is within). */
function countBeyond(
  values: readonly number[],
  i: number,
  window: number,
  k: number,
  beyond: (v: number, k: number) => number,
): number {
  const s = beyond(values[i] as number, k);
  if (s === 0 || i + 1 < window) return 0;
  return values.slice(i + 1 - window, i + 1).filter((v) => beyond(v, k) === s).length;
}
