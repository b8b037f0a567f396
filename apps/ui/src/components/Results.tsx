// Stored results: filter by serial, batch, sequence, pass/fail and date range, page through them, open one.
// Filters live in the URL, so a filtered list can be bookmarked and the back button works.
import { api } from '../api.ts';
import { duration, when } from '../format.ts';
import { useLoad } from '../hooks.ts';
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

/** The results list page. */
export function Results() {
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
      <h1 id="results-title">Results</h1>
      <form className="filters" onSubmit={apply} key={search.toString()}>
        <div className="field">
          <label htmlFor="f-serial">Serial</label>
          <input
            id="f-serial"
            name="serial"
            placeholder="starts with…"
            defaultValue={search.get('serial') ?? ''}
          />
        </div>
        <div className="field">
          <label htmlFor="f-batch">Batch</label>
          <input id="f-batch" name="batchId" defaultValue={search.get('batchId') ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-sequence">Sequence</label>
          <input id="f-sequence" name="sequence" defaultValue={search.get('sequence') ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-pass">Result</label>
          <select id="f-pass" name="pass" defaultValue={search.get('pass') ?? ''}>
            <option value="">any</option>
            <option value="true">PASS</option>
            <option value="false">FAIL</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-from">From</label>
          <input id="f-from" type="date" name="from" defaultValue={from ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To</label>
          <input id="f-to" type="date" name="to" defaultValue={to ?? ''} />
        </div>
        <button type="submit" className="btn">
          Filter
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
            <th scope="col">Started</th>
            <th scope="col">Batch</th>
            <th scope="col">Sequence</th>
            <th scope="col">Serial</th>
            <th scope="col">Operator</th>
            <th scope="col">Status</th>
            <th scope="col">Result</th>
            <th scope="col">Duration</th>
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
              <td>{r.status}</td>
              <td>
                <Verdict pass={r.overallPass} status={r.status} />
              </td>
              <td>{duration(r.duration)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.items.length === 0 ? <p className="muted">No results match.</p> : null}
      {data ? (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn" disabled={page <= 1} onClick={() => goPage(page - 1)}>
            ← Newer
          </button>
          <span>
            Page {page} of {pages} · {data.total} results
          </span>
          <button type="button" className="btn" disabled={page >= pages} onClick={() => goPage(page + 1)}>
            Older →
          </button>
        </nav>
      ) : null}
    </section>
  );
}
