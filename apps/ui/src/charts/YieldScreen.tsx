// The yield screen (/yield?batch=&bucket=&range=): first-pass yield and units tested per hour, shift or day
// of this screen's clock, and a histogram of cycle times, for the whole station or one slot
// (GET /api/stats/series).
import type { YieldBucketKind, YieldSeries } from '@station/model';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import { api } from '../api.ts';
import { duration, when } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { language } from '../i18n.ts';
import { useLive } from '../live.ts';
import { navigate, useLocation } from '../router.ts';
import { ChartScreen, Choice, NumbersTable, SlotChoice } from './ChartScreen.tsx';
import { fpyColumns, histogramColumns } from './data.ts';
import { axis, COLORS, UPlot } from './UPlot.tsx';

const BUCKETS: YieldBucketKind[] = ['hour', 'shift', 'day'];
/** The ranges offered, in days. */
const RANGES: readonly number[] = [1, 7, 31];
const DAY_MS = 24 * 3600_000;

const pct = (v: number | null) =>
  v === null
    ? '–'
    : new Intl.NumberFormat(language(), {
        style: 'percent',
        minimumFractionDigits: 1,
        maximumFractionDigits: 1,
      }).format(v);

function FpyChart({ series, title }: { series: YieldSeries; title: string }) {
  const { t, i18n } = useTranslation();
  const data = useMemo(() => fpyColumns(series), [series]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the labels change with the language.
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 320,
      scales: {
        x: { time: true },
        pct: { range: [0, 100] },
        n: { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      axes: [
        axis(),
        axis({ scale: 'pct', label: t('yieldChart.fpyAxis'), size: 60 }),
        axis({ scale: 'n', side: 1, label: t('yieldChart.unitsAxis'), grid: { show: false }, size: 60 }),
      ],
      series: [
        { label: t('yieldChart.from') },
        {
          label: t('yieldChart.units'),
          scale: 'n',
          stroke: COLORS.muted,
          fill: 'rgba(154, 167, 180, 0.35)',
          paths: uPlot.paths.bars?.({ size: [0.7, 60] }),
          points: { show: false },
        },
        {
          label: t('yieldChart.fpy'),
          scale: 'pct',
          stroke: COLORS.pass,
          width: 3,
          points: { show: true, size: 8, fill: COLORS.pass },
        },
      ],
    }),
    [i18n.language],
  );
  return <UPlot options={options} data={data} label={title} testId="fpy-chart" />;
}

function CycleChart({ series, title }: { series: YieldSeries; title: string }) {
  const { t, i18n } = useTranslation();
  const data = useMemo(() => histogramColumns(series), [series]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the labels change with the language.
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 280,
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [axis({ label: t('yieldChart.seconds') }), axis({ label: t('yieldChart.runs'), size: 60 })],
      series: [
        { label: t('yieldChart.seconds') },
        {
          label: t('yieldChart.runs'),
          stroke: COLORS.run,
          fill: 'rgba(47, 140, 255, 0.5)',
          paths: uPlot.paths.bars?.({ size: [1, 200], align: 1 }),
          points: { show: false },
        },
      ],
    }),
    [i18n.language],
  );
  return <UPlot options={options} data={data} label={title} testId="cycle-chart" />;
}

/** The yield screen. */
export function YieldScreen() {
  const { t } = useTranslation();
  const { search } = useLocation();
  const { station } = useLive();
  const batch = search.get('batch') ?? '';
  const bucketParam = search.get('bucket');
  const bucket: YieldBucketKind = BUCKETS.find((b) => b === bucketParam) ?? 'hour';
  const days = RANGES.find((d) => String(d) === search.get('days')) ?? 1;
  const go = (patch: Partial<{ batch: string; bucket: string; days: number }>) => {
    const next = { batch, bucket, days, ...patch };
    const s = new URLSearchParams({ bucket: next.bucket, days: String(next.days) });
    if (next.batch) s.set('batch', next.batch);
    navigate(`/yield?${s}`);
  };
  // The range ends at the start of the next hour, so the newest bucket is whole and a reload asks the same.
  const key = `${batch}|${bucket}|${days}`;
  const series = useLoad(key, () => {
    const to = Math.ceil(Date.now() / 3600_000) * 3600_000;
    const q = new URLSearchParams({
      from: new Date(to - days * DAY_MS).toISOString(),
      to: new Date(to).toISOString(),
      bucket,
      utcOffset: String(-new Date().getTimezoneOffset()),
    });
    if (batch) q.set('batch', batch);
    return api<YieldSeries>('GET', `/stats/series?${q}`);
  });
  const s = series.data;
  const scope = batch ? (station.batches[batch]?.name ?? batch) : t('yieldChart.station');
  const units = s?.buckets.reduce((a, b) => a + b.unitsTested, 0) ?? 0;
  const firstPassed = s?.buckets.reduce((a, b) => a + b.firstPassed, 0) ?? 0;
  const bucketName = (b: YieldSeries['buckets'][number]) =>
    bucket === 'shift' ? t('yieldChart.shiftOf', { n: b.shift ?? 0, start: when(b.start) }) : when(b.start);
  return (
    <ChartScreen
      id="yield"
      title={t('yieldChart.title', { scope })}
      error={series.error}
      filters={
        <>
          <SlotChoice
            label={t('yieldChart.scope')}
            allLabel={t('yieldChart.station')}
            value={batch}
            onChange={(b) => go({ batch: b })}
            testId="yield-batch"
          />
          <Choice
            label={t('yieldChart.bucket')}
            value={bucket}
            options={BUCKETS.map((b) => ({ value: b, label: t(`yieldChart.per.${b}`) }))}
            onChange={(b) => go({ bucket: b })}
            testId="yield-bucket"
          />
          <Choice
            label={t('yieldChart.range')}
            value={days}
            options={RANGES.map((d) => ({
              value: d,
              label: d === 1 ? t('yieldChart.last24h') : t('yieldChart.lastDays', { count: d }),
            }))}
            onChange={(d) => go({ days: d })}
            testId="yield-days"
          />
        </>
      }
    >
      {s ? (
        <>
          <dl className="facts chart-figures" data-testid="yield-figures">
            <dt>{t('yieldChart.units')}</dt>
            <dd>{units}</dd>
            <dt>{t('yieldChart.fpy')}</dt>
            <dd>{pct(units > 0 ? firstPassed / units : null)}</dd>
            <dt>{t('yieldChart.cycle')}</dt>
            <dd>
              {t('yieldChart.cycleFigures', {
                p50: duration(s.cycleTime.p50),
                p95: duration(s.cycleTime.p95),
                runs: s.cycleTime.runs,
              })}
            </dd>
          </dl>
          {units === 0 ? <p className="empty">{t('yieldChart.none')}</p> : null}
          <h2>{t('yieldChart.fpyTitle', { bucket: t(`yieldChart.per.${bucket}`) })}</h2>
          <FpyChart series={s} title={t('yieldChart.fpyChart', { scope })} />
          <NumbersTable
            testId="yield-table"
            head={[
              t('yieldChart.from'),
              t('yieldChart.units'),
              t('yieldChart.firstPassed'),
              t('yieldChart.fpy'),
              t('yieldChart.failed'),
              t('yieldChart.runs'),
            ]}
          >
            {s.buckets
              .filter((b) => b.runs > 0)
              .map((b) => (
                <tr key={b.start}>
                  <td>{bucketName(b)}</td>
                  <td>{b.unitsTested}</td>
                  <td>{b.firstPassed}</td>
                  <td>{pct(b.firstPassYield)}</td>
                  <td>{b.failed}</td>
                  <td>{b.runs}</td>
                </tr>
              ))}
          </NumbersTable>
          <h2>{t('yieldChart.cycleTitle')}</h2>
          <CycleChart series={s} title={t('yieldChart.cycleChart', { scope, count: s.cycleTime.runs })} />
          <NumbersTable testId="cycle-table" head={[t('yieldChart.seconds'), t('yieldChart.runs')]}>
            {s.cycleTime.bins.map((b) => (
              <tr key={b.from}>
                <td>
                  {b.from} – {b.to}
                </td>
                <td>{b.runs}</td>
              </tr>
            ))}
          </NumbersTable>
        </>
      ) : null}
    </ChartScreen>
  );
}
