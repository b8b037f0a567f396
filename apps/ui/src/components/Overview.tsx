// The station overview: one card per batch, in station.yaml order, live from the WebSocket snapshot (each
// card whole from the gateway, its last verdict included: nothing to fetch or merge for it here).
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useHealth } from '../health.ts';
import { useNow } from '../hooks.ts';
import { live, useLive } from '../live.ts';
import { seedSteps } from '../state.ts';
import type { BatchDetail } from '../types.ts';
import { BatchCard, type StorageWarning } from './BatchCard.tsx';

/** Every batch of the station as a card. */
export function Overview() {
  const { t } = useTranslation();
  const { station, link } = useLive();
  const now = useNow();
  const health = useHealth();
  // Every card carries the disk warning: the operator at any slot sees why a start may be refused.
  const level = health?.disk.level;
  const storage: StorageWarning | undefined =
    level === 'warn' || level === 'low'
      ? {
          level,
          reason: health?.reasons?.find((r) => /free|disk/i.test(r)) ?? t('overview.diskAlmostFull'),
        }
      : undefined;
  const batches = station.order.map((id) => station.batches[id]).filter((b) => b !== undefined);
  // A page opened (or reloaded) mid-run asks each running batch once for what it is waiting on: an open
  // operator prompt shows at once rather than with the next event.
  const runs = batches
    .filter((b) => b.sequenceRunning && b.executionId)
    .map((b) => `${b.id}:${b.executionId}`)
    .join(',');
  useEffect(() => {
    for (const run of runs.split(',').filter(Boolean)) {
      const id = run.slice(0, run.indexOf(':'));
      api<BatchDetail>('GET', `/batches/${encodeURIComponent(id)}`)
        .then((detail) => {
          const exec = detail.execution;
          if (exec) live.update((s) => seedSteps(s, id, exec));
        })
        .catch(() => undefined);
    }
  }, [runs]);
  if (batches.length === 0) {
    return <p className="empty">{link === 'live' ? t('overview.noBatches') : t('overview.connecting')}</p>;
  }
  return (
    <>
      {/* The page's title for screen readers; the station bar already shows where the operator is. */}
      <h1 className="visually-hidden">{t('nav.overview')}</h1>
      <section className="cards" aria-label={t('overview.batches')}>
        {batches.map((b) => (
          <BatchCard key={b.id} b={b} now={now} storage={storage} />
        ))}
      </section>
    </>
  );
}
