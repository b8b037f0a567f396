// One stored execution: verdict, parameters, every step with its measurements, and the exports.
import { api, download } from '../api.ts';
import { duration, limits, STEP_WORDS, stepState, value, when } from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';
import { linkTo } from '../router.ts';
import type { ExecutionResult, StepResult } from '../types.ts';
import { Verdict } from './BatchCard.tsx';

type PromptRecord = NonNullable<StepResult['prompts']>[number];

/** What the operator was asked and said, in words: the answer and who gave it, or how the prompt ended. */
function promptText(p: PromptRecord): string {
  const asked = `Asked “${p.message}”: `;
  if (p.status === 'answered') {
    const answer = typeof p.answer === 'boolean' ? (p.answer ? 'yes' : 'no') : value(p.answer);
    return `${asked}${answer}${p.unit ? ` ${value(p.unit)}` : ''} — ${p.answeredBy ?? '?'}, ${when(p.closedAt ?? p.openedAt)}`;
  }
  return `${asked}${p.status === 'timed_out' ? 'no answer in time' : p.status === 'cancelled' ? 'cancelled' : 'open'}`;
}

/** The result detail page of execution `id`. */
export function ResultDetail({ id }: { id: string }) {
  const res = useLoad(id, () => api<ExecutionResult>('GET', `/results/${encodeURIComponent(id)}`));
  const exporting = useAction();
  const r = res.data;
  const save = (format: 'json' | 'csv') =>
    exporting.run(() =>
      download(`/results/${encodeURIComponent(id)}/export?format=${format}`, `${id}.${format}`),
    );
  return (
    <section aria-labelledby="result-title">
      <p>
        <a className="back" href="/results" onClick={linkTo('/results')}>
          ← All results
        </a>
      </p>
      <h1 id="result-title">Result {id}</h1>
      {res.error ? (
        <p className="form-error" role="alert">
          {res.error}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="btn" onClick={() => save('json')} disabled={exporting.busy}>
          Export JSON
        </button>
        <button type="button" className="btn" onClick={() => save('csv')} disabled={exporting.busy}>
          Export CSV
        </button>
        {exporting.error ? <span className="action-error">{exporting.error}</span> : null}
      </div>
      {r ? (
        <>
          <div className="result-head">
            <Verdict pass={r.overallPass} status={r.status} />
            <dl className="facts">
              <dt>Batch</dt>
              <dd>{r.batchId}</dd>
              <dt>Sequence</dt>
              <dd>
                {r.sequenceName} {r.sequenceVersion}
              </dd>
              <dt>Unit</dt>
              <dd data-testid="unit">
                {r.serialNumber ?? '—'}
                {[r.partNumber, r.revision && `rev ${r.revision}`, r.lot && `lot ${r.lot}`]
                  .filter(Boolean)
                  .map((part) => ` · ${part}`)
                  .join('')}
                {r.serialSourceStep ? ` (read by ${r.serialSourceStep})` : ''}
              </dd>
              <dt>Operator</dt>
              <dd data-testid="operator">{r.operator ?? '—'}</dd>
              <dt>Status</dt>
              <dd>{r.status}</dd>
              <dt>Started</dt>
              <dd>{when(r.startedAt)}</dd>
              <dt>Duration</dt>
              <dd>{duration(r.duration)}</dd>
              <dt>Parameters</dt>
              <dd>
                {Object.entries(r.parameters)
                  .map(([k, v]) => `${k} = ${value(v)}`)
                  .join(', ') || '—'}
              </dd>
            </dl>
          </div>
          {r.error ? <p className="error-banner">{r.error}</p> : null}
          <table className="results">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Step</th>
                <th scope="col">State</th>
                <th scope="col">Measurement</th>
                <th scope="col">Value</th>
                <th scope="col">Limits</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {r.steps.flatMap((s) => {
                const state = stepState(s.status, s.pass);
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
                      <td>{i === 0 ? s.name : ''}</td>
                      <td>
                        {i === 0 ? `${STEP_WORDS[state] ?? state}${s.error ? ` — ${s.error}` : ''}` : ''}
                      </td>
                      <td>{m?.name ?? ''}</td>
                      <td>{m ? `${value(m.value)}${m.unit ? ` ${m.unit}` : ''}` : ''}</td>
                      <td>{m ? limits(m) : ''}</td>
                      <td>{m ? (m.pass === true ? 'PASS' : m.pass === false ? 'FAIL' : '—') : ''}</td>
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
