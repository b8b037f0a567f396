// What the overview needs of the chart screens without loading them: their paths and the rules in words.
import type { TrendRule } from '@station/model';

/** A rule in the words of the floor (locale keys `trend.rule.r1` ... `trend.rule.r6`). */
export function ruleWords(rule: TrendRule, t: (key: string) => string): string {
  return t(`trend.rule.r${rule}`);
}

/** The path of the trend screen for one measurement (the drift badge links here). */
export function trendPath(q: { sequence: string; measurement: string; batch?: string; last?: number }) {
  const s = new URLSearchParams({ sequence: q.sequence, measurement: q.measurement });
  if (q.batch) s.set('batch', q.batch);
  if (q.last) s.set('last', String(q.last));
  return `/trends?${s}`;
}

/** The path of the yield screen, for the station or one slot. */
export function yieldPath(batch?: string): string {
  return batch ? `/yield?batch=${encodeURIComponent(batch)}` : '/yield';
}
