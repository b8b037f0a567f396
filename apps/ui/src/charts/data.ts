// What the charts plot, as pure functions of what the station answers (tested without a browser): the
// columns uPlot draws (`data[0]` is x, one array per series after it, null where a series has no point).
import type { MeasurementTrend, YieldSeries } from '@station/model';
import type { Measurement } from '../types.ts';

/** A measurement placed on its limit band: -1 at the low limit, +1 at the high one, 0 on the nominal. */
export interface BandPoint {
  /** Index of the step the measurement belongs to, and its name, as the table shows them. */
  step: string;
  name: string;
  value: number;
  unit: string | null;
  low: number;
  high: number;
  /** Position on the band (see above); outside [-1, 1] is outside the limits. */
  position: number;
  pass: boolean;
  /** In spec, but within NEAR_MISS_SHARE of the band's width from a limit. */
  nearMiss: boolean;
}

/**
 * A passing reading this close to a limit, as a share of the band's width, is a near miss: the 10 % of the
 * tolerance next to each limit, where a little drift or meter noise makes a failure.
 */
export const NEAR_MISS_SHARE = 0.1;

/** How far off the band a failing point is drawn at most (in half-bands), so one wild value keeps the scale. */
export const BAND_CLIP = 2;

/**
 * Every numeric reading with both limits, on its band. The nominal is the band's middle (a manifest gives
 * limits, not a nominal). Readings with one limit or none have no band and are left to the table.
 */
export function bandPoints(steps: { name: string; measurements: Measurement[] }[]): BandPoint[] {
  const out: BandPoint[] = [];
  for (const s of steps) {
    for (const m of s.measurements) {
      if (typeof m.value !== 'number' || !Number.isFinite(m.value)) continue;
      if (m.low === null || m.high === null || !(m.high > m.low)) continue;
      const position = (2 * (m.value - m.low)) / (m.high - m.low) - 1;
      const inSpec = position >= -1 && position <= 1;
      out.push({
        step: s.name,
        name: m.name,
        value: m.value,
        unit: m.unit,
        low: m.low,
        high: m.high,
        position,
        pass: m.pass,
        nearMiss: m.pass && inSpec && 1 - Math.abs(position) <= 2 * NEAR_MISS_SHARE,
      });
    }
  }
  return out;
}

/** The band chart's columns: x, then passing, near-miss and failing points, each drawn clipped to BAND_CLIP. */
export function bandColumns(points: BandPoint[]): [number[], ...(number | null)[][]] {
  const clip = (p: number) => Math.max(-BAND_CLIP, Math.min(BAND_CLIP, p));
  const only = (keep: (p: BandPoint) => boolean) => points.map((p) => (keep(p) ? clip(p.position) : null));
  return [
    points.map((_, i) => i),
    only((p) => p.pass && !p.nearMiss),
    only((p) => p.nearMiss),
    only((p) => !p.pass),
  ];
}

/**
 * The control chart's columns: x is the unit's place in the series (1 = oldest), then the readings, the
 * readings that break a rule, the mean, the +/-3 sigma limits and the spec limits (constant lines; all null
 * when the figure does not exist).
 */
export function controlColumns(trend: MeasurementTrend): [number[], ...(number | null)[][]] {
  const line = (v: number | null) => trend.points.map(() => v);
  return [
    trend.points.map((_, i) => i + 1),
    trend.points.map((p) => p.value),
    trend.points.map((p) => (p.violations.length > 0 ? p.value : null)),
    line(trend.mean),
    line(trend.ucl),
    line(trend.lcl),
    line(trend.low),
    line(trend.high),
  ];
}

/**
 * The yield chart's columns: x is each bucket's start (seconds, uPlot's time scale), then the units tested
 * (bars) and the first-pass yield in percent (null for a bucket without units: a gap, not a 0 %).
 */
export function fpyColumns(series: YieldSeries): [number[], ...(number | null)[][]] {
  return [
    series.buckets.map((b) => Date.parse(b.start) / 1000),
    series.buckets.map((b) => b.unitsTested),
    series.buckets.map((b) => (b.firstPassYield === null ? null : Math.round(b.firstPassYield * 1000) / 10)),
  ];
}

/** The cycle time histogram's columns: x is each bar's left edge in seconds, then the runs in it. */
export function histogramColumns(series: YieldSeries): [number[], ...(number | null)[][]] {
  return [series.cycleTime.bins.map((b) => b.from), series.cycleTime.bins.map((b) => b.runs)];
}
