// What the chart screens (yield, trends) share: the page with its title, its filters and the load error;
// a filter as a labelled choice; the slot filter; and the numbers behind a chart as a folded table, so a
// screen reader and a person who wants the figures read what the chart draws.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useLive } from '../live.ts';

/** A chart page: its title, its filters (changes go to the address, nothing is submitted), its error. */
export function ChartScreen({
  id,
  title,
  filters,
  error,
  children,
}: {
  /** Names the page's title element (`<id>-title`). */
  id: string;
  title: string;
  filters: ReactNode;
  /** Why the figures could not be loaded, if they could not. */
  error: string | null | undefined;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={`${id}-title`} className="chart-screen">
      <h1 id={`${id}-title`}>{title}</h1>
      <form className="chart-controls" onSubmit={(e) => e.preventDefault()}>
        {filters}
      </form>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {children}
    </section>
  );
}

/** One filter: a labelled list of choices. */
export function Choice<T extends string | number>({
  label,
  value,
  options,
  onChange,
  testId,
}: {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  /** The option picked, as its value (a number filter gets its number back). */
  onChange: (value: T) => void;
  testId: string;
}) {
  return (
    <label>
      {label}
      <select
        value={value}
        onChange={(e) => {
          const picked = options.find((o) => String(o.value) === e.target.value);
          if (picked) onChange(picked.value);
        }}
        data-testid={testId}
      >
        {options.map((o) => (
          <option key={String(o.value)} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The slot filter: every batch of the station by name, or all of them (`''`). */
export function SlotChoice({
  label,
  allLabel,
  value,
  onChange,
  testId,
}: {
  label: string;
  /** What the choice of no one slot says (the station, all slots). */
  allLabel: string;
  value: string;
  onChange: (batch: string) => void;
  testId: string;
}) {
  const { station } = useLive();
  const options = [
    { value: '', label: allLabel },
    ...station.order.map((id) => ({ value: id, label: station.batches[id]?.name ?? id })),
  ];
  return <Choice label={label} value={value} options={options} onChange={onChange} testId={testId} />;
}

/** The numbers behind a chart, folded under "numbers": a header row and one row per figure. */
export function NumbersTable({
  head,
  testId,
  children,
}: {
  head: readonly string[];
  testId: string;
  /** The table's rows (`<tr>`). */
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <details>
      <summary>{t('charts.numbers')}</summary>
      <table className="results" data-testid={testId}>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </details>
  );
}
