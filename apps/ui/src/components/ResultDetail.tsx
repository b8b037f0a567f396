// One stored execution: verdict, parameters, every step with its measurements, and the exports.
import { verdictOf } from '@station/model';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download } from '../api.ts';
import { sequenceNames } from '../display.ts';
import {
  cutShort,
  duration,
  interruptionWord,
  limits,
  runStatus,
  stepState,
  stepWord,
  value,
  when,
} from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';
import { linkTo } from '../router.ts';
import type { ExecutionResult, SequenceInfo, StepResult } from '../types.ts';
import { Verdict } from './BatchCard.tsx';

// The limit band chart comes with uPlot in a chunk of its own, loaded when a result is opened.
const LimitBandChart = lazy(() =>
  import('../charts/LimitBand.tsx').then((m) => ({ default: m.LimitBandChart })),
);

type PromptRecord = NonNullable<StepResult['prompts']>[number];

/** What the operator was asked and said, in words: the answer and who gave it, or how the prompt ended. */
function promptText(p: PromptRecord): string {
  if (p.status === 'answered') {
    const answer = typeof p.answer === 'boolean' ? t(p.answer ? 'result.yes' : 'result.no') : value(p.answer);
    return t('result.promptAnswered', {
      message: p.message,
      answer: `${answer}${p.unit ? ` ${value(p.unit)}` : ''}`,
      who: p.answeredBy ?? '?',
      when: when(p.closedAt ?? p.openedAt),
    });
  }
  const outcome =
    p.status === 'timed_out' ? 'promptTimedOut' : p.status === 'cancelled' ? 'promptCancelled' : 'promptOpen';
  return t(`result.${outcome}`, { message: p.message });
}

/** The result detail page of execution `id`. */
export function ResultDetail({ id }: { id: string }) {
  // Re-renders on a language change (this page reads the module's `t`).
  useTranslation();
  const res = useLoad(id, () => api<ExecutionResult>('GET', `/results/${encodeURIComponent(id)}`));
  const exporting = useAction();
  const r = res.data;
  const seqName = r?.sequenceName ?? '';
  const seq = useLoad(seqName, () =>
    seqName ? api<SequenceInfo>('GET', `/sequences/${encodeURIComponent(seqName)}`) : Promise.resolve(null),
  );
  const names = sequenceNames(seq.data?.manifest);
  const save = (format: 'json' | 'csv') =>
    exporting.run(() =>
      download(`/results/${encodeURIComponent(id)}/export?format=${format}`, `${id}.${format}`),
    );
  return (
    <section aria-labelledby="result-title">
      <p>
        <a className="back" href="/results" onClick={linkTo('/results')}>
          {t('result.back')}
        </a>
      </p>
      <h1 id="result-title">{t('result.title', { id })}</h1>
      {res.error ? (
        <p className="form-error" role="alert">
          {res.error}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="btn" onClick={() => save('json')} disabled={exporting.busy}>
          {t('result.exportJson')}
        </button>
        <button type="button" className="btn" onClick={() => save('csv')} disabled={exporting.busy}>
          {t('result.exportCsv')}
        </button>
        {exporting.error ? <span className="action-error">{exporting.error}</span> : null}
      </div>
      {r ? (
        <>
          <div className="result-head">
            <Verdict verdict={verdictOf(r)} />
            <dl className="facts">
              <dt>{t('result.batch')}</dt>
              <dd>{r.batchId}</dd>
              <dt>{t('result.sequence')}</dt>
              <dd>
                {r.sequenceName} {r.sequenceVersion}
              </dd>
              <dt>{t('result.unit')}</dt>
              <dd data-testid="unit">
                {r.serialNumber ?? '—'}
                {[
                  r.partNumber,
                  r.revision && t('result.revision', { revision: r.revision }),
                  r.lot && t('result.lot', { lot: r.lot }),
                ]
                  .filter(Boolean)
                  .map((part) => ` · ${part}`)
                  .join('')}
                {r.serialSourceStep ? ` ${t('result.readBy', { step: r.serialSourceStep })}` : ''}
              </dd>
              <dt>{t('result.operator')}</dt>
              <dd data-testid="operator">{r.operator ?? '—'}</dd>
              <dt>{t('result.status')}</dt>
              <dd>{runStatus(r.status)}</dd>
              <dt>{t('result.started')}</dt>
              <dd>{when(r.startedAt)}</dd>
              <dt>{t('result.duration')}</dt>
              <dd>{duration(r.duration)}</dd>
              <dt>{t('result.parameters')}</dt>
              <dd>
                {Object.entries(r.parameters)
                  .map(([k, v]) => `${k} = ${value(v)}`)
                  .join(', ') || '—'}
              </dd>
            </dl>
          </div>
          {r.error ? <p className="error-banner">{r.error}</p> : null}
          {r.resumes?.length ? (
            <section aria-labelledby="resumes-title" data-testid="resumes">
              <h2 id="resumes-title">{t('result.resumesTitle')}</h2>
              <p className="muted">{t('result.resumesNote')}</p>
              <table className="results">
                <thead>
                  <tr>
                    <th scope="col">{t('result.number')}</th>
                    <th scope="col">{t('result.resumedAt')}</th>
                    <th scope="col">{t('result.resumedFrom')}</th>
                    <th scope="col">{t('result.why')}</th>
                    <th scope="col">{t('result.details')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.resumes.map((x, i) => (
                    <tr key={x.resumedAt} data-resume={x.reason}>
                      <td>{i + 1}</td>
                      <td>{when(x.resumedAt)}</td>
                      <td>{t('result.resumedStep', { n: x.fromOrder + 1, step: names.step(x.fromStep) })}</td>
                      <td>
                        {interruptionWord(x.reason)} <small>{x.reason}</small>
                      </td>
                      <td>{x.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ) : null}
          <h2>{t('band.title')}</h2>
          <Suspense fallback={<p className="empty">{t('charts.loading')}</p>}>
            <LimitBandChart steps={r.steps} names={names} />
          </Suspense>
          <table className="results">
            <thead>
              <tr>
                <th scope="col">{t('result.number')}</th>
                <th scope="col">{t('result.step')}</th>
                <th scope="col">{t('result.state')}</th>
                <th scope="col">{t('detail.measurement')}</th>
                <th scope="col">{t('detail.value')}</th>
                <th scope="col">{t('detail.limits')}</th>
                <th scope="col">{t('detail.result')}</th>
              </tr>
            </thead>
            <tbody>
              {r.steps.flatMap((s) => {
                const state = stepState(s.status, s.pass, cutShort(r, s));
                const rows = s.measurements.length ? s.measurements : [null];
                const asked = (s.prompts ?? []).map((p) => (
                  <tr
                    key={`${s.order}-prompt-${p.id}`}
                    className="prompt-record"
                    data-prompt-record={p.status}
                  >
                    <td />
                    <td />
                    <td colSpan={5}>{promptText(p)}</td>
                  </tr>
                ));
                return rows
                  .map((m, i) => (
                    <tr key={`${s.order}-${m?.name ?? ''}`} className={m?.pass === false ? 'm-fail' : ''}>
                      <td>{i === 0 ? s.order + 1 : ''}</td>
                      <td>{i === 0 ? names.step(s.name) : ''}</td>
                      <td>
                        {i === 0
                          ? `${stepWord(state)}${s.attempts > 1 ? ` ${t('result.attempts', { count: s.attempts })}` : ''}${s.error ? ` — ${s.error}` : ''}`
                          : ''}
                      </td>
                      <td>{m ? names.measurement(s.name, m.name) : ''}</td>
                      <td>{m ? `${value(m.value)}${m.unit ? ` ${m.unit}` : ''}` : ''}</td>
                      <td>{m ? limits(m) : ''}</td>
                      <td>
                        {m
                          ? m.pass === true
                            ? t('verdict.PASS')
                            : m.pass === false
                              ? t('verdict.FAIL')
                              : '—'
                          : ''}
                      </td>
                    </tr>
                  ))
                  .concat(asked);
              })}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
