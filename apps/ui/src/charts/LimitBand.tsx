// The result detail's picture: every measurement of the run with both limits as a point on its band (low
// limit at the bottom line, high at the top, the middle dashed), so a reading that passed close to a limit
// stands out before it becomes a failure. Loaded lazily with uPlot by ResultDetail.
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type uPlot from 'uplot';
import type { SequenceNames } from '../display.ts';
import type { StepResult } from '../types.ts';
import { BAND_CLIP, bandColumns, bandPoints } from './data.ts';
import { axis, COLORS, dots, fitLabels, UPlot } from './UPlot.tsx';

/** Three horizontal lines across the plot: the limits at -1 and +1, the middle at 0. */
function bandLines(u: uPlot): void {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.lineWidth = 2 * devicePixelRatio;
  for (const [y, color, dash] of [
    [-1, COLORS.fail, []],
    [1, COLORS.fail, []],
    [0, COLORS.muted, [8, 6]],
  ] as const) {
    const py = u.valToPos(y, 'y', true);
    ctx.strokeStyle = color;
    ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
    ctx.beginPath();
    ctx.moveTo(bbox.left, py);
    ctx.lineTo(bbox.left + bbox.width, py);
    ctx.stroke();
  }
  ctx.restore();
}

export function LimitBandChart({ steps, names }: { steps: StepResult[]; names: SequenceNames }) {
  const { t, i18n } = useTranslation();
  const points = useMemo(() => bandPoints(steps), [steps]);
  const data = useMemo(() => bandColumns(points), [points]);
  const labels = points.map((p) => names.measurement(p.step, p.name));
  const labelKey = labels.join('\u0000');
  // The legend shows the reading itself at the cursor, not its place on the band.
  const reading = (_u: uPlot, v: number | null, _s: number, i: number | null) => {
    const p = i === null || v === null ? undefined : points[i];
    return p ? `${p.value}${p.unit ? ` ${p.unit}` : ''}` : '–';
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: labels are keyed by their joined text; words follow the language.
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 300,
      scales: {
        x: { time: false, range: [-0.5, Math.max(0.5, points.length - 0.5)] },
        y: { range: [-BAND_CLIP, BAND_CLIP] },
      },
      axes: [
        axis({
          splits: () => points.map((_, i) => i),
          values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
          // Names run into each other side by side on a narrow screen: slanted, they keep apart.
          rotate: points.length > 2 ? -30 : 0,
          size: points.length > 2 ? 110 : 50,
          grid: { show: false },
        }),
        axis({
          splits: () => [-1, 0, 1],
          values: () => [t('band.low'), t('band.nominal'), t('band.high')],
          size: fitLabels(60),
        }),
      ],
      series: [
        { label: t('detail.measurement'), value: (_u, i) => (i === null ? '' : (labels[i] ?? '')) },
        { ...dots(t('band.inSpec'), COLORS.pass, 14), value: reading },
        { ...dots(t('band.nearMiss'), COLORS.warn, 16), value: reading },
        { ...dots(t('band.fail'), COLORS.fail, 16), value: reading },
      ],
      hooks: { drawClear: [bandLines] },
    }),
    [labelKey, points.length, i18n.language],
  );
  if (points.length === 0) return <p className="empty">{t('band.none')}</p>;
  return (
    <>
      <UPlot options={options} data={data} label={t('band.chart')} testId="band-chart" />
      <p className="hint">{t('band.rest')}</p>
    </>
  );
}
