// One batch in depth: live step list with measurements against limits, errors up front, the live log,
// and manual control. Seeded from GET /api/batches/{id} so a page opened mid-run is right at once.
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { type SequenceNames, sequenceNames } from '../display.ts';
import { clockTime, limits, stepState, stepWord, value } from '../format.ts';
import { useLoad, useNow } from '../hooks.ts';
import { live, useLive } from '../live.ts';
import { linkTo } from '../router.ts';
import { type StepView, seedSteps } from '../state.ts';
import type { BatchDetail as Detail, SequenceInfo } from '../types.ts';
import { BatchCard } from './BatchCard.tsx';
import { ManualPanel } from './ManualPanel.tsx';

function StepRow({ s, index, names }: { s: StepView; index: number; names: SequenceNames }) {
  const { t } = useTranslation();
  const state = stepState(s.status, s.pass);
  return (
    <li className={`step step-${state}`} data-step={s.name} data-state={state}>
      <div className="step-head">
        <span className="step-no">{index + 1}</span>
        <span className="step-name">{names.step(s.name)}</span>
        <span className={`step-state step-${state}`}>{stepWord(state)}</span>
        <span className="step-time">
          {s.duration !== null && s.duration !== undefined
            ? t('detail.seconds', { value: s.duration.toFixed(2) })
            : ''}
        </span>
      </div>
      {s.error ? <p className="step-error">{s.error}</p> : null}
      {s.measurements && s.measurements.length > 0 ? (
        <table className="measurements">
          <thead>
            <tr>
              <th scope="col">{t('detail.measurement')}</th>
              <th scope="col">{t('detail.value')}</th>
              <th scope="col">{t('detail.limits')}</th>
              <th scope="col">{t('detail.result')}</th>
            </tr>
          </thead>
          <tbody>
            {s.measurements.map((m) => (
              <tr key={m.name} data-measurement={m.name} className={m.pass === false ? 'm-fail' : ''}>
                <td>{names.measurement(s.name, m.name)}</td>
                <td>
                  {value(m.value)}
                  {m.unit ? ` ${m.unit}` : ''}
                </td>
                <td>{limits(m)}</td>
                <td>{m.pass === true ? t('verdict.PASS') : m.pass === false ? t('verdict.FAIL') : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </li>
  );
}

/** The detail page of batch `id`. */
export function BatchDetail({ id }: { id: string }) {
  const { t } = useTranslation();
  const { station } = useLive();
  const now = useNow();
  const b = station.batches[id];
  const runKey = b?.executionId ?? '';
  const detail = useLoad(`${id}:${runKey}:${b?.status}`, () => api<Detail>('GET', `/batches/${id}`));
  const seqName = detail.data?.sequencePackage ?? b?.sequenceName;
  const seq = useLoad(seqName ?? '', () =>
    seqName ? api<SequenceInfo>('GET', `/sequences/${encodeURIComponent(seqName)}`) : Promise.resolve(null),
  );
  const logRef = useRef<HTMLOListElement>(null);
  const liveData = station.live[id];

  // The REST snapshot seeds the step list; later events update it.
  useEffect(() => {
    const exec = detail.data?.execution;
    if (exec) live.update((s) => seedSteps(s, id, exec));
  }, [detail.data, id]);

  const logCount = liveData?.logs.length ?? 0;
  useEffect(() => {
    if (logCount && logRef.current) logRef.current.scrollTop = logRef.current.scrollHeight;
  }, [logCount]);

  if (!b) return <p className="empty">{detail.error ?? t('detail.loading')}</p>;
  const seen = liveData?.steps ?? [];
  const planned = seq.data?.manifest?.steps?.map((s) => s.name) ?? [];
  const names = sequenceNames(seq.data?.manifest);
  const steps: StepView[] = [
    ...planned.map(
      (name) => seen.find((s) => s.name === name) ?? { name, status: 'pending' as const, pass: null },
    ),
    ...seen.filter((s) => !planned.includes(s.name)),
  ];

  return (
    <div className="detail">
      <p>
        <a className="back" href="/" onClick={linkTo('/')}>
          {t('detail.back')}
        </a>
      </p>
      <BatchCard b={b} now={now} />
      <div className="detail-grid">
        <section className="panel" aria-labelledby="steps-title">
          <h2 id="steps-title">{t('detail.steps')}</h2>
          {steps.length === 0 ? <p className="muted">{t('detail.noSteps')}</p> : null}
          <ol className="steps" data-testid="steps">
            {steps.map((s, i) => (
              <StepRow key={s.name} s={s} index={i} names={names} />
            ))}
          </ol>
          {b.lastResult ? (
            <p>
              <a
                href={`/results/${b.lastResult.executionId}`}
                onClick={linkTo(`/results/${b.lastResult.executionId}`)}
              >
                {t('detail.lastStored')}
              </a>
            </p>
          ) : null}
        </section>
        <div className="side">
          <ManualPanel b={b} commands={detail.data?.manualCommands ?? []} />
          <section className="panel" aria-labelledby="log-title">
            <h2 id="log-title">{t('detail.log')}</h2>
            <ol className="log" ref={logRef} data-testid="log" aria-live="polite">
              {(liveData?.logs ?? []).map((l, i) => (
                // Log lines have no id; their position in the capped list is stable enough for display.
                // biome-ignore lint/suspicious/noArrayIndexKey: append-only list
                <li key={i} className={`log-${l.level}`}>
                  <time dateTime={l.timestamp}>{clockTime(l.timestamp)}</time>{' '}
                  <span className="lvl">{l.level}</span> {l.message}
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>
    </div>
  );
}
