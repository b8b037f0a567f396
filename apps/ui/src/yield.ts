// Today's yield, fetched once for the whole page: the station bar shows the station's, each card its
// slot's. Refreshed when a run ends (the card's last result changes) and once a minute, so a count never
// lags a verdict the operator just saw.

import type { StationStats, YieldFigures } from '@station/model';
import { useEffect, useSyncExternalStore } from 'react';
import { api } from './api.ts';
import { language, t } from './i18n.ts';

const YIELD_POLL_MS = 60_000;

let current: StationStats | null = null;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

/** Midnight of today on this screen's clock: "today" is the operator's shift day, not UTC's. */
export function startOfToday(now = new Date()): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate());
}

/** Asks for today's figures now. */
export function refreshYield(): void {
  const now = new Date();
  const query = `from=${encodeURIComponent(startOfToday(now).toISOString())}&to=${encodeURIComponent(now.toISOString())}`;
  api<StationStats>('GET', `/stats?${query}`)
    .then((s) => set(s))
    .catch(() => set(null));
}

function set(s: StationStats | null): void {
  current = s;
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    refreshYield();
    timer = setInterval(refreshYield, YIELD_POLL_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/**
 * Today's figures of the station, or of one batch; null until the first answer. `finished` is what
 * changes when a run ends (its execution ids), so the figures are fetched again then.
 */
export function useYield(finished: string, batchId?: string): YieldFigures | null {
  const stats = useSyncExternalStore(subscribe, () => current);
  useEffect(() => {
    if (finished) refreshYield();
  }, [finished]);
  if (!stats) return null;
  if (batchId === undefined) return stats.total;
  return stats.batches.find((b) => b.batchId === batchId) ?? EMPTY;
}

const EMPTY: YieldFigures = {
  unitsTested: 0,
  passed: 0,
  failed: 0,
  firstPassed: 0,
  firstPassYield: null,
  runs: 0,
  cycleTime: { p50: null, p95: null },
};

/** "12 units · FPY 91.7 %", as the bar and the cards say it. */
export function yieldText(y: YieldFigures | null): string {
  if (!y) return '…';
  const units = t('yield.units', { count: y.unitsTested });
  if (y.firstPassYield === null) return units;
  const fpy = new Intl.NumberFormat(language(), { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return t('yield.withFpy', { units, fpy: fpy.format(y.firstPassYield * 100) });
}
