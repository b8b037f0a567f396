// The trend screen (/trends?sequence=&measurement=&batch=&last=): one measurement over the last N units of
// a sequence as a control chart (GET /api/trends): the readings, the mean and +/-3 sigma lines, the spec
// limits, Cpk, and the points that break a Western Electric / Nelson rule marked and listed in words.
import type { MeasurementTrend } from '@station/model';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type uPlot from 'uplot';
import { api } from '../api.ts';
import { sequenceNames } from '../display.ts';
import { when } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { language } from '../i18n.ts';
import { navigate, useLocation } from '../router.ts';
import type { SequenceInfo } from '../types.ts';
import { ChartScreen, Choice, NumbersTable, SlotChoice } from './ChartScreen.tsx';
import { controlColumns } from './data.ts';
import { ruleWords, trendPath } from './links.ts';
import { axis, COLORS, dots, level, UPlot } from './UPlot.tsx';

/** How many units a trend can show, as the screen offers them (the gateway allows 1-500). */
const SPANS = [20, 50, 100, 200, 500];

const fmt = (v: number | null, digits = 4) =>
  v === null ? '–' : new Intl.NumberFormat(language(), { maximumSignificantDigits: digits }).format(v);

function TrendChart({ trend, title }: { trend: MeasurementTrend; title: string }) {
  const { t, i18n } = useTranslation();
  const data = useMemo(() => controlColumns(trend), [trend]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the labels change with the language.
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 360,
      scales: { x: { time: false } },
      legend: { live: true },
      axes: [
        // Units are counted, never fractional.
        axis({ label: t('trend.unitAxis'), incrs: [1, 2, 5, 10, 20, 50, 100] }),
        axis({ label: trend.unit ?? undefined, size: 70 }),
      ],
      series: [
        { label: t('trend.unitAxis') },
        {
          label: t('trend.reading'),
          stroke: COLORS.run,
          width: 2,
          points: { show: true, size: 6, fill: COLORS.run },
        },
        dots(t('trend.breaks'), COLORS.fail, 14),
        level(t('trend.mean'), COLORS.text, []),
        level(t('trend.ucl'), COLORS.warn),
        level(t('trend.lcl'), COLORS.warn),
        level(t('trend.low'), COLORS.fail, [2, 4]),
        level(t('trend.high'), COLORS.fail, [2, 4]),
      ],
    }),
    [trend.unit, i18n.language],
  );
  return <UPlot options={options} data={data} label={title} testId="trend-chart" />;
}

/** The trend screen. */
export function TrendScreen() {
  const { t } = useTranslation();
  const { search } = useLocation();
  const sequence = search.get('sequence') ?? '';
  const measurement = search.get('measurement') ?? '';
  const batch = search.get('batch') ?? '';
  const last = Number(search.get('last') ?? 50) || 50;
  const go = (patch: Partial<{ sequence: string; measurement: string; batch: string; last: number }>) =>
    navigate(trendPath({ sequence, measurement, batch, last, ...patch }));

  const list = useLoad('sequences', () => api<{ name: string }[]>('GET', '/sequences'));
  const seq = useLoad(sequence, () =>
    sequence ? api<SequenceInfo>('GET', `/sequences/${encodeURIComponent(sequence)}`) : Promise.resolve(null),
  );
  const names = sequenceNames(seq.data?.manifest);
  const measurements = (seq.data?.manifest?.steps ?? []).flatMap((s) =>
    // An `equals` check reads text or a mode, never a number: it has no trend to draw.
    (s.measurements ?? []).filter((m) => m.equals === undefined).map((m) => ({ step: s.name, name: m.name })),
  );
  const stepOf = measurements.find((m) => m.name === measurement)?.step ?? '';
  const shownName = measurement ? names.measurement(stepOf, measurement) : '';
  const key = sequence && measurement ? trendPath({ sequence, measurement, batch, last }) : '';
  const trend = useLoad(key, () =>
    key
      ? api<MeasurementTrend>(
          'GET',
          `/trends/${encodeURIComponent(sequence)}/${encodeURIComponent(measurement)}?last=${last}${batch ? `&batch=${encodeURIComponent(batch)}` : ''}`,
        )
      : Promise.resolve(null),
  );
  const tr = trend.data;
  const breaks = tr ? tr.points.map((p, i) => ({ p, n: i + 1 })).filter(({ p }) => p.violations.length) : [];
  const title = t('trend.chart', { measurement: shownName, count: tr?.points.length ?? 0 });
  return (
    <ChartScreen
      id="trend"
      title={shownName ? t('trend.titleOf', { measurement: shownName }) : t('trend.title')}
      error={trend.error}
      filters={
        <>
          <Choice
            label={t('trend.sequence')}
            value={sequence}
            options={[
              { value: '', label: '–' },
              ...(list.data ?? []).map((s) => ({ value: s.name, label: s.name })),
            ]}
            onChange={(v) => go({ sequence: v, measurement: '' })}
            testId="trend-sequence"
          />
          <Choice
            label={t('trend.measurement')}
            value={measurement}
            options={[
              { value: '', label: '–' },
              ...measurements.map((m) => ({ value: m.name, label: names.measurement(m.step, m.name) })),
            ]}
            onChange={(v) => go({ measurement: v })}
            testId="trend-measurement"
          />
          <SlotChoice
            label={t('trend.slot')}
            allLabel={t('trend.allSlots')}
            value={batch}
            onChange={(v) => go({ batch: v })}
            testId="trend-batch"
          />
          <Choice
            label={t('trend.last')}
            value={last}
            options={[...new Set([...SPANS, last])].map((n) => ({ value: n, label: String(n) }))}
            onChange={(n) => go({ last: n })}
            testId="trend-last"
          />
        </>
      }
    >
      {!key ? <p className="empty">{t('trend.choose')}</p> : null}
      {tr && key ? (
        <>
          <dl className="facts chart-figures" data-testid="trend-figures">
            <dt>{t('trend.units')}</dt>
            <dd>{tr.points.length}</dd>
            <dt>{t('trend.mean')}</dt>
            <dd>{fmt(tr.mean)}</dd>
            <dt>{t('trend.sigma')}</dt>
            <dd>{fmt(tr.sigma)}</dd>
            <dt>{t('trend.ucl')}</dt>
            <dd>{fmt(tr.ucl)}</dd>
            <dt>{t('trend.lcl')}</dt>
            <dd>{fmt(tr.lcl)}</dd>
            <dt>{t('trend.limits')}</dt>
            <dd>
              {fmt(tr.low)} … {fmt(tr.high)} {tr.unit ?? ''}
            </dd>
            <dt>{t('trend.cpk')}</dt>
            <dd data-testid="cpk">{tr.cpk === null ? t('trend.cpkNone') : fmt(tr.cpk, 3)}</dd>
          </dl>
          <TrendChart trend={tr} title={title} />
          <h2>{t('trend.breaksTitle')}</h2>
          {breaks.length === 0 ? (
            <p data-testid="trend-breaks">{t('trend.noBreaks')}</p>
          ) : (
            <ul className="rule-breaks" data-testid="trend-breaks">
              {breaks.map(({ p, n }) => (
                <li key={p.executionId}>
                  {t('trend.breakLine', {
                    n,
                    serial: p.serialNumber ?? '–',
                    value: `${fmt(p.value)}${tr.unit ? ` ${tr.unit}` : ''}`,
                    rules: p.violations.map((r) => ruleWords(r, t)).join('; '),
                  })}
                </li>
              ))}
            </ul>
          )}
          <NumbersTable
            testId="trend-table"
            head={[
              t('trend.unitAxis'),
              t('trend.serial'),
              t('trend.started'),
              t('trend.reading'),
              t('trend.rules'),
            ]}
          >
            {tr.points.map((p, i) => (
              <tr key={p.executionId} className={p.violations.length ? 'm-fail' : ''}>
                <td>{i + 1}</td>
                <td>{p.serialNumber ?? '–'}</td>
                <td>{when(p.at)}</td>
                <td>{fmt(p.value, 6)}</td>
                <td>{p.violations.map((r) => ruleWords(r, t)).join('; ') || '–'}</td>
              </tr>
            ))}
          </NumbersTable>
        </>
      ) : null}
    </ChartScreen>
  );
}
