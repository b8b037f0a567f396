// The control chart arithmetic: generated series with rule breaks at known places, and series with none.
import { describe, expect, test } from 'bun:test';
import { controlFigures, ruleBreaks, type TrendRule } from '../src/trend.ts';

/** A deterministic in-control series around 10: alternates sides, never runs, stays within 1 sigma mostly. */
function calm(n: number): number[] {
  const wobble = [0.3, -0.2, 0.1, -0.3, 0.2, -0.1];
  return Array.from({ length: n }, (_, i) => 10 + (wobble[i % wobble.length] as number));
}

/** Indices at which `rule` is flagged. */
const where = (breaks: TrendRule[][], rule: TrendRule) =>
  breaks.flatMap((rules, i) => (rules.includes(rule) ? [i] : []));

describe('ruleBreaks with the mean and sigma given', () => {
  test('rule 1: a point beyond 3 sigma, on either side, is flagged there alone', () => {
    const values = [0, 0.5, -0.5, 3.1, 0, -3.5, 2.9];
    const breaks = ruleBreaks(values, 0, 1);
    expect(where(breaks, 1)).toEqual([3, 5]);
  });

  test('rule 2: the 8th point in a row on one side is flagged, and every one after it; the mean breaks the row', () => {
    const values = [-0.5, 0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.2, 0.4, 0.1, 0, 0.2];
    //                      1    2    3    4    5    6    7    8(i=8) 9    mean
    expect(where(ruleBreaks(values, 0, 1), 2)).toEqual([8, 9]);
    // 7 in a row is not enough.
    expect(where(ruleBreaks([0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.2, -0.1], 0, 1), 2)).toEqual([]);
    // Below the mean counts the same.
    expect(where(ruleBreaks(Array(8).fill(-0.2), 0, 1), 2)).toEqual([7]);
  });

  test('rule 3: the 6th point of a steady rise or fall is flagged; a flat step restarts the count', () => {
    const rising = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    expect(where(ruleBreaks(rising, 0.3, 1), 3)).toEqual([5, 6]);
    const falling = [0.5, 0.4, 0.3, 0.2, 0.1, 0];
    expect(where(ruleBreaks(falling, 0.25, 1), 3)).toEqual([5]);
    const flat = [0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5];
    expect(where(ruleBreaks(flat, 0.25, 1), 3)).toEqual([]);
  });

  test('rule 5: 2 of 3 beyond 2 sigma on the same side, flagged at the second; opposite sides do not count', () => {
    expect(where(ruleBreaks([0, 2.5, 0.2, 2.2, 0], 0, 1), 5)).toEqual([3]);
    expect(where(ruleBreaks([0, 2.5, 0.2, -2.2, 0], 0, 1), 5)).toEqual([]);
    expect(where(ruleBreaks([2.5, 0, 0, 2.2], 0, 1), 5)).toEqual([]);
  });

  test('rule 6: 4 of 5 beyond 1 sigma on the same side, flagged at the fourth and on while it holds', () => {
    expect(where(ruleBreaks([0, -1.5, 1.2, 1.4, 0.5, 1.3, 1.1, 1.6, 0], 0, 1), 6)).toEqual([6, 7]);
    expect(where(ruleBreaks([1.2, 1.4, -1.3, 1.1, 0.2], 0, 1), 6)).toEqual([]);
  });
});

describe('controlFigures', () => {
  test('an in-control series breaks no rule; mean, sigma, limits and Cpk are those of the numbers', () => {
    const values = calm(50);
    const f = controlFigures(values, 9, 11);
    expect(f.violations.flat()).toEqual([]);
    const mean = values.reduce((a, b) => a + b) / values.length;
    const sigma = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
    expect(f.mean).toBeCloseTo(mean, 12);
    expect(f.sigma).toBeCloseTo(sigma, 12);
    expect(f.ucl).toBeCloseTo(mean + 3 * sigma, 12);
    expect(f.lcl).toBeCloseTo(mean - 3 * sigma, 12);
    expect(f.cpk).toBeCloseTo(Math.min(11 - mean, mean - 9) / (3 * sigma), 12);
  });

  test('Cpk with one limit is that side alone (Cpu or Cpl); with none it is null', () => {
    const values = calm(30);
    const f = controlFigures(values, null, null);
    const { mean, sigma } = f as { mean: number; sigma: number };
    expect(controlFigures(values, null, 11).cpk).toBeCloseTo((11 - mean) / (3 * sigma), 12);
    expect(controlFigures(values, 9.5, null).cpk).toBeCloseTo((mean - 9.5) / (3 * sigma), 12);
    expect(f.cpk).toBeNull();
  });

  test('a mean outside the limits gives a negative Cpk', () => {
    expect(controlFigures([12, 12.1, 11.9, 12], 9, 11).cpk).toBeLessThan(0);
  });

  test('a constant series: sigma 0, limits on the mean, no Cpk, no rule broken, no division by zero', () => {
    const f = controlFigures(Array(40).fill(5), 4, 6);
    expect(f).toEqual({
      mean: 5,
      sigma: 0,
      ucl: 5,
      lcl: 5,
      cpk: null,
      violations: Array(40).fill([]),
    });
  });

  test('one point has a mean and no sigma; no point has nothing', () => {
    expect(controlFigures([3], 1, 5)).toEqual({
      mean: 3,
      sigma: null,
      ucl: null,
      lcl: null,
      cpk: null,
      violations: [[]],
    });
    expect(controlFigures([], 1, 5).mean).toBeNull();
  });

  test('a drift at a known place: a calm run then a creeping rise flags rules 3 and 2 at the expected points', () => {
    const values = [...calm(40), 10.4, 10.5, 10.6, 10.7, 10.8, 10.9, 11, 11.1];
    const f = controlFigures(values, 9, 12);
    // The rise starts at index 40 (10.4 after 10.1 is already rising from index 39): 6th point of the run.
    const rising = where(f.violations, 3);
    expect(rising[0]).toBe(44);
    expect(rising.at(-1)).toBe(47);
    // 8 in a row above the mean end at index 47.
    expect(where(f.violations, 2)).toEqual([47]);
    // The tail is beyond 1 sigma: rule 6 fires inside the drift, never in the calm part.
    expect(where(f.violations, 6).every((i) => i >= 40)).toBe(true);
    expect(f.violations.slice(0, 40).flat()).toEqual([]);
  });
});
