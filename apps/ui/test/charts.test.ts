// What the charts plot, without a browser: measurements on their limit bands (a near miss is one), the
// control chart's lines and rule breaks, the yield and histogram columns; and the drift alarm reaching the
// card from its event before the gateway's next card does.
import { describe, expect, test } from 'bun:test';
import {
  controlFigures,
  type MeasurementDrift,
  type MeasurementTrend,
  type ServerMessage,
} from '@station/model';
import { bandColumns, bandPoints, controlColumns, fpyColumns, histogramColumns } from '../src/charts/data.ts';
import { ruleWords, trendPath } from '../src/charts/links.ts';
import { emptyState, reduce } from '../src/state.ts';
import type { Measurement } from '../src/types.ts';

const m = (
  name: string,
  value: Measurement['value'],
  low: number | null,
  high: number | null,
  pass = true,
): Measurement => ({
  name,
  value,
  unit: 'V',
  low,
  high,
  equals: null,
  pass,
});

describe('limit bands', () => {
  test('each two-sided reading on its band: middle 0, limits -1 and +1; the last 10 % of the band is a near miss', () => {
    const points = bandPoints([
      {
        name: 'measure',
        measurements: [
          m('mid', 5, 4, 6),
          m('high_ok', 5.7, 4, 6),
          m('near_high', 5.85, 4, 6),
          m('near_low', 4.1, 4, 6),
          m('at_low', 4, 4, 6),
          m('over', 6.5, 4, 6, false),
          m('one_sided', 3, 0, null),
          m('text', 'cv', null, null),
          m('wild', 1000, 4, 6, false),
        ],
      },
    ]);
    expect(points.map((p) => [p.name, Number(p.position.toFixed(3)), p.nearMiss])).toEqual([
      ['mid', 0, false],
      ['high_ok', 0.7, false],
      ['near_high', 0.85, true],
      ['near_low', -0.9, true],
      ['at_low', -1, true],
      ['over', 1.5, false],
      ['wild', 995, false],
    ]);
    const [x, pass, near, fail] = bandColumns(points);
    expect(x).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(pass?.map((v) => (v === null ? null : Number(v.toFixed(3))))).toEqual([
      0,
      0.7,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(near?.map((v) => (v === null ? null : Number(v.toFixed(3))))).toEqual([
      null,
      null,
      0.85,
      -0.9,
      -1,
      null,
      null,
    ]);
    // A wild failure is drawn at the edge of the plot, so the others keep their scale.
    expect(fail).toEqual([null, null, null, null, null, 1.5, 2]);
  });
});

describe('control chart', () => {
  test('readings, rule breaks, and the mean, control and spec lines as the gateway computed them', () => {
    // 10 calm readings, then 8 rising. The calm ones sit below the series' mean (5.029), so the 8th-10th
    // break "8 on one side"; the rise breaks "6 rising" from its 6th point, and the last also rules 2 and 6.
    const values = [
      5, 5.02, 4.98, 5.01, 4.99, 5, 5.02, 4.98, 5.01, 4.99, 5.03, 5.04, 5.05, 5.06, 5.07, 5.08, 5.09, 5.1,
    ];
    const f = controlFigures(values, 4.75, 5.25);
    const trend: MeasurementTrend = {
      sequenceName: 'psu_functional',
      measurement: 'vout',
      unit: 'V',
      points: values.map((value, i) => ({
        executionId: `e${i}`,
        serialNumber: `SN-${i}`,
        value,
        at: new Date(Date.UTC(2026, 0, 1, 8, i)).toISOString(),
        violations: f.violations[i] ?? [],
      })),
      mean: f.mean,
      sigma: f.sigma,
      ucl: f.ucl,
      lcl: f.lcl,
      low: 4.75,
      high: 5.25,
      cpk: f.cpk,
      violations: [],
    };
    const [x, readings, breaks, mean, ucl, lcl, low, high] = controlColumns(trend);
    expect(x).toEqual(values.map((_, i) => i + 1));
    expect(readings).toEqual(values);
    const broken = values.map((v, i) => ((f.violations[i] ?? []).length > 0 ? v : null));
    expect(breaks).toEqual(broken);
    expect(f.violations).toEqual([
      [],
      [],
      [],
      [],
      [],
      [],
      [],
      [2],
      [2],
      [2],
      [],
      [],
      [],
      [],
      [3],
      [3],
      [3],
      [2, 3, 6],
    ]);
    expect(broken.filter((v) => v !== null)).toEqual([4.98, 5.01, 4.99, 5.07, 5.08, 5.09, 5.1]);
    expect([mean?.[0], ucl?.[0], lcl?.[0], low?.[0], high?.[0]]).toEqual([f.mean, f.ucl, f.lcl, 4.75, 5.25]);
    expect(new Set(mean).size).toBe(1);
  });
});

describe('yield and cycle time columns', () => {
  test('bucket starts in seconds, units as bars, FPY in percent with a gap where no unit was tested', () => {
    const bucket = (start: string, units: number, fp: number) => ({
      start,
      end: start,
      unitsTested: units,
      passed: fp,
      failed: units - fp,
      firstPassed: fp,
      firstPassYield: units ? fp / units : null,
      runs: units,
    });
    const series = {
      from: '',
      to: '',
      bucket: 'hour' as const,
      utcOffset: 0,
      shifts: [6, 14, 22],
      batchId: null,
      sequence: null,
      buckets: [bucket('2026-01-01T08:00:00.000Z', 3, 2), bucket('2026-01-01T09:00:00.000Z', 0, 0)],
      cycleTime: {
        runs: 3,
        p50: 12,
        p95: 14,
        binWidth: 5,
        bins: [
          { from: 10, to: 15, runs: 2 },
          { from: 15, to: 20, runs: 1 },
        ],
      },
    };
    expect(fpyColumns(series)).toEqual([
      [1767254400, 1767258000],
      [3, 0],
      [66.7, null],
    ]);
    expect(histogramColumns(series)).toEqual([
      [10, 15],
      [2, 1],
    ]);
  });
});

describe('drift alarm on the card', () => {
  const drift: MeasurementDrift = {
    batchId: 'b1',
    sequenceName: 'psu_functional',
    measurement: 'output_voltage',
    rule: 3,
    description: 'output_voltage = 5.5 V: 6 points in a row steadily rising or falling',
    executionId: 'exec_9',
    value: 5.5,
    at: '2026-01-01T08:00:00.000Z',
  };
  const card: ServerMessage = {
    type: 'batch_status',
    batch_id: 'b1',
    data: { id: 'b1', name: 'Slot 1', status: 'running' },
  };

  test('the event puts it on the card at once; the next whole card without it takes it off', () => {
    const alarmed = reduce(reduce(emptyState, card), {
      type: 'measurement_drift',
      batch_id: 'b1',
      data: drift,
    });
    expect(alarmed.batches.b1?.drift).toEqual(drift);
    expect(alarmed.batches.b1?.name).toBe('Slot 1');
    expect(reduce(alarmed, card).batches.b1?.drift).toBeUndefined();
  });

  test('it links to the trend of that measurement on that slot, and names the rule in words', () => {
    expect(trendPath({ sequence: drift.sequenceName, measurement: drift.measurement, batch: 'b1' })).toBe(
      '/trends?sequence=psu_functional&measurement=output_voltage&batch=b1',
    );
    expect(ruleWords(3, (k) => k)).toBe('trend.rule.r3');
  });
});
