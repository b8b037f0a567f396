// One batch in depth: live step list with measurements against limits, errors up front, the live log,
// and manual control. Seeded from GET /api/batches/{id} so a page opened mid-run is right at once; between
// runs the steps are the last run's as the store holds them (GET /api/results/{id}: how it really ended,
// a crash included), and the log starts with the station's recent lines (GET /api/batches/{id}/log).
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { type SequenceNames, sequenceNames } from '../display.ts';
import { clockTime, cutShort, limits, type RunEnd, seconds, stepState, stepWord, value } from '../format.ts';
import { useLoad, useNow } from '../hooks.ts';
import { live, useLive } from '../live.ts';
import { linkTo } from '../router.ts';
import { type LogLine, type StepView, seedLog, seedSteps } from '../state.ts';
import type { BatchDetail as Detail, ExecutionResult, SequenceInfo } from '../types.ts';
import { BatchCard, stepElapsedOf } from './BatchCard.tsx';
import { ManualPanel } from './ManualPanel.tsx';

function StepRow({
  s,
  index,
  names,
  end,
  elapsed,
}: {
  s: StepView;
  index: number;
  names: SequenceNames;
  /** How the run ended, when it has: the step it cut short reads Interrupted. */
  end: RunEnd | undefined;
  /** Seconds the step has been running, while it runs. */
  elapsed: number | undefined;
}) {
  const { t } = useTranslation();
  const state = stepState(s.status, s.pass, cutShort(end, s));
  return (
    <li className={`step step-${state}`} data-step={s.name} data-state={state}>
      <div className="step-head">
        <span className="step-no">{index + 1}</span>
        <span className="step-name">{names.step(s.name)}</span>
        <span className={`step-state step-${state}`}>{stepWord(state)}</span>
        <span className="step-time">
          {s.duration !== null && s.duration !== undefined
            ? t('detail.seconds', { value: s.duration.toFixed(2) })
            : state === 'running' && elapsed !== undefined
              ? t('card.stepTime', { seconds: seconds(elapsed) })
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
  const b = station.batches[id];
  const running = b?.status === 'running' && b.sequenceRunning === true;
  // The running step's time moves ten times a second.
  const now = useNow(running ? 100 : 1000);
  const runKey = b?.executionId ?? '';
  const detail = useLoad(`${id}:${runKey}:${b?.status}`, () => api<Detail>('GET', `/batches/${id}`));
  // Between runs: the last run as stored (its steps, measurements and real end), one source with Results.
  const last = running ? undefined : b?.lastResult;
  const lastId = last?.executionId;
  // Fetched again when the card's account of that run changes: a run lost with its runner is ERROR on the
  // card at once, and complete in the store a moment later, when the supervisor has marked it.
  const stored = useLoad(last ? JSON.stringify(last) : '', () =>
    lastId ? api<ExecutionResult>('GET', `/results/${encodeURIComponent(lastId)}`) : Promise.resolve(null),
  );
  const lastRun =
    lastId && stored.data?.id === lastId && stored.data.status !== 'running' ? stored.data : undefined;
  const recent = useLoad(`log:${id}`, () =>
    api<{ batchId: string; lines: LogLine[] }>('GET', `/batches/${encodeURIComponent(id)}/log`),
  );
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

  // The station's recent log first; what the socket brought since is kept after it.
  useEffect(() => {
    const lines = recent.data?.lines;
    if (lines) live.update((s) => seedLog(s, id, lines));
  }, [recent.data, id]);

  const logCount = liveData?.logs.length ?? 0;
  useEffect(() => {
    if (logCount && logRef.current) logRef.current.scrollTop = logRef.current.scrollHeight;
  }, [logCount]);

  if (!b) return <p className="empty">{detail.error ?? t('detail.loading')}</p>;
  // The stored run once it has loaded; until then (or for a run the store could not keep) the live list.
  const seen: StepView[] = lastRun ? lastRun.steps : (liveData?.steps ?? []);
  const end: RunEnd | undefined = lastRun
    ? lastRun
    : liveData?.ended && liveData.ended.executionId === liveData.executionId
      ? liveData.ended
      : undefined;
  const stepElapsed = stepElapsedOf(b, now);
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
      <h1 className="visually-hidden">{b.name}</h1>
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
              <StepRow
                key={s.name}
                s={s}
                index={i}
                names={names}
                // Not running and no end known yet: a step still marked running was cut short all the same.
                end={running ? undefined : (end ?? { status: 'ended' })}
                elapsed={running && s.name === b.currentStep ? stepElapsed : undefined}
              />
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
