// The bar across the top: station name, live link, Backend connection, sync queue with "Sync now",
// and the health of each service. Health is polled; sync status also arrives live over the socket.
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { refreshHealth, useHealth } from '../health.ts';
import { useAction } from '../hooks.ts';
import { type LinkState, useLive } from '../live.ts';
import { linkTo, useLocation } from '../router.ts';
import type { StationInfo, SyncResult } from '../types.ts';
import { useYield, yieldText } from '../yield.ts';

const LINK_WORDS: Record<LinkState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

/** The station bar. */
export function StationBar() {
  const { link, retryIn, station } = useLive();
  const { path } = useLocation();
  const [info, setInfo] = useState<StationInfo | null>(null);
  const health = useHealth();
  const syncing = useAction();
  const [synced, setSynced] = useState<string | null>(null);
  // A finished run adds a result to the sync queue: refresh the depth then rather than at the next poll.
  const finished = Object.values(station.batches)
    .map((b) => b.lastResult?.executionId ?? '')
    .join(',');
  useEffect(() => {
    if (finished) refreshHealth();
  }, [finished]);
  const today = useYield(finished);
  useEffect(() => {
    api<StationInfo>('GET', '/system/info')
      .then(setInfo)
      .catch(() => setInfo(null));
  }, []);

  const backend = station.sync?.backendConnected ?? health?.backend_connected ?? false;
  const offlineMode = (station.sync?.mode ?? health?.sync?.mode) === 'offline';
  const pending = station.sync?.pending ?? health?.sync?.pending ?? null;
  const sync = () =>
    syncing.run(async () => {
      const r = await api<SyncResult>('POST', '/system/sync', {});
      setSynced(`sent ${r.synced}, ${r.pending} waiting`);
      refreshHealth();
    });

  return (
    <header className="station-bar">
      <div className="brand">
        <strong data-testid="station-name">{info?.name ?? 'Station'}</strong>
        <nav aria-label="Main">
          <a href="/" aria-current={path === '/' ? 'page' : undefined} onClick={linkTo('/')}>
            Overview
          </a>
          <a
            href="/results"
            aria-current={path.startsWith('/results') ? 'page' : undefined}
            onClick={linkTo('/results')}
          >
            Results
          </a>
        </nav>
      </div>
      <ul className="indicators">
        <li className={`ind link-${link}`} data-testid="link" role="status">
          {LINK_WORDS[link]}
          {link === 'reconnecting' && retryIn ? ` (${retryIn} s)` : ''}
        </li>
        <li className="ind" data-testid="yield" title="Units tested today and their first-pass yield">
          Today: {yieldText(today)}
        </li>
        <li className={`ind ${backend ? 'ok' : 'warn'}`} data-testid="backend">
          Backend: {backend ? 'connected' : offlineMode ? 'offline mode' : 'offline'}
        </li>
        <li className="ind" data-testid="sync-queue">
          Sync queue: {pending ?? '?'}
          <button type="button" className="btn small" onClick={sync} disabled={syncing.busy}>
            Sync now
          </button>
          {syncing.error ? <span className="action-error"> {syncing.error}</span> : null}
          {synced && !syncing.error ? <span className="muted"> {synced}</span> : null}
        </li>
        <li className={`ind health-${health?.status ?? 'unknown'}`} data-testid="health">
          <span>Health: {health?.status ?? 'unknown'}</span>
          {health
            ? Object.entries(health.services).map(([name, s]) => (
                <span key={name} className={`svc ${s.reachable ? 'ok' : 'bad'}`} title={s.error}>
                  {name} {s.reachable ? '✓' : '✗'}
                </span>
              ))
            : null}
        </li>
      </ul>
    </header>
  );
}
