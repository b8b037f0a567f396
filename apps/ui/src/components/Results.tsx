// Stored results: filter by serial, batch, sequence, pass/fail and date range, page through them, open one.
// Filters live in the URL, so a filtered list can be bookmarked and the back button works.
import { verdictOf } from '@station/model';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { duration, runStatus, when } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { useLive } from '../live.ts';
import { linkTo, navigate, useLocation } from '../router.ts';
import type { ResultPage } from '../types.ts';
import { Verdict } from './BatchCard.tsx';

const PAGE_SIZE = 20;
const FILTERS = ['serial', 'batchId', 'sequence', 'pass', 'from', 'to'] as const;

/** Date inputs give a local day; the API wants an ISO instant (`to` is exclusive: the next day). */
function dayToIso(day: string, next: boolean): string {
  const d = new Date(`${day}T00:00:00`);
  if (next) d.setDate(d.getDate() + 1);
  return d.toISOString();
}

/**
 * The mark of a run a runner crash cut off and the next runner resumed: a quality engineer scanning the
 * list sees which units were tested in more than one go; the result page lists each interruption.
 */
function ResumedMark({ count }: { count: number }) {
  const { t } = useTranslation();
  const once = count === 1;
  const title = once ? t('results.resumedOnceTitle') : t('results.resumedTimesTitle', { count });
  return (
    <span className="resumed-mark" data-testid="resumed-mark" title={title}>
      <span aria-hidden="true">↻ </span>
      {once ? t('results.resumedOnce') : t('results.resumedTimes', { count })}
      {/* The title is for a mouse; a screen reader and a touch screen get the same words. */}
      <span className="visually-hidden"> {title}</span>
    </span>
  );
}

/** The results list page. */
export function Results() {
  const { t } = useTranslation();
  const { station } = useLive();
  const { search } = useLocation();
  const page = Math.max(1, Number(search.get('page') ?? 1) || 1);
  const query = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
  for (const f of ['serial', 'batchId', 'sequence', 'pass'] as const) {
    const v = search.get(f);
    if (v) query.set(f, v);
  }
  const from = search.get('from');
  const to = search.get('to');
  if (from) query.set('from', dayToIso(from, false));
  if (to) query.set('to', dayToIso(to, true));
  const list = useLoad(query.toString(), () => api<ResultPage>('GET', `/results?${query}`));

  function apply(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const f of FILTERS) {
      const v = String(form.get(f) ?? '').trim();
      if (v) next.set(f, v);
    }
    navigate(`/results${next.size ? `?${next}` : ''}`);
  }

  function goPage(p: number) {
    const next = new URLSearchParams(search);
    next.set('page', String(p));
    navigate(`/results?${next}`);
  }

  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  return (
    <section aria-labelledby="results-title">
      <h1 id="results-title">{t('results.title')}</h1>
      <form className="filters" onSubmit={apply} key={search.toString()}>
        <div className="field">
          <label htmlFor="f-serial">{t('results.serial')}</label>
          <input
            id="f-serial"
            name="serial"
            placeholder={t('results.serialPlaceholder')}
            defaultValue={search.get('serial') ?? ''}
          />
        </div>
        <div className="field">
          <label htmlFor="f-batch">{t('results.batch')}</label>
          {/* The slots by the names on their cards: an operator knows "Slot 3", not batch_3. */}
          <select id="f-batch" name="batchId" defaultValue={search.get('batchId') ?? ''}>
            <option value="">{t('results.any')}</option>
            {station.order.map((id) => (
              <option key={id} value={id}>
                {station.batches[id]?.name ?? id}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-sequence">{t('results.sequence')}</label>
          <input id="f-sequence" name="sequence" defaultValue={search.get('sequence') ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-pass">{t('results.result')}</label>
          <select id="f-pass" name="pass" defaultValue={search.get('pass') ?? ''}>
            <option value="">{t('results.any')}</option>
            <option value="true">{t('verdict.PASS')}</option>
            <option value="false">{t('verdict.FAIL')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-from">{t('results.from')}</label>
          <input id="f-from" type="date" name="from" defaultValue={from ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-to">{t('results.to')}</label>
          <input id="f-to" type="date" name="to" defaultValue={to ?? ''} />
        </div>
        <button type="submit" className="btn">
          {t('results.filter')}
        </button>
      </form>
      {list.error ? (
        <p className="form-error" role="alert">
          {list.error}
        </p>
      ) : null}
      <table className="results">
        <thead>
          <tr>
            <th scope="col">{t('results.started')}</th>
            <th scope="col">{t('results.batch')}</th>
            <th scope="col">{t('results.sequence')}</th>
            <th scope="col">{t('results.serial')}</th>
            <th scope="col">{t('results.operator')}</th>
            <th scope="col">{t('results.status')}</th>
            <th scope="col">{t('results.result')}</th>
            <th scope="col">{t('results.duration')}</th>
          </tr>
        </thead>
        <tbody>
          {data?.items.map((r) => (
            <tr key={r.id} data-result={r.id}>
              <td>
                <a href={`/results/${r.id}`} onClick={linkTo(`/results/${r.id}`)}>
                  {when(r.startedAt)}
                </a>
              </td>
              <td>{r.batchId}</td>
              <td>
                {r.sequenceName} {r.sequenceVersion}
              </td>
              <td data-testid="serial">{r.serialNumber ?? '—'}</td>
              <td data-testid="operator">{r.operator ?? '—'}</td>
              <td>
                {runStatus(r.status)}
                {r.resumeCount > 0 ? <ResumedMark count={r.resumeCount} /> : null}
              </td>
              <td>
                <Verdict verdict={verdictOf(r)} />
              </td>
              <td>{duration(r.duration)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.items.length === 0 ? <p className="muted">{t('results.none')}</p> : null}
      {data ? (
        <nav className="pager" aria-label={t('results.pages')}>
          <button type="button" className="btn" disabled={page <= 1} onClick={() => goPage(page - 1)}>
            {t('results.newer')}
          </button>
          <span>{t('results.pageOf', { page, pages, total: data.total })}</span>
          <button type="button" className="btn" disabled={page >= pages} onClick={() => goPage(page + 1)}>
            {t('results.older')}
          </button>
        </nav>
      ) : null}
    </section>
  );
}
