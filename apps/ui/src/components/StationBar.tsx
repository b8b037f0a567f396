// The bar across the top: station name, live link, Backend connection, sync queue with "Sync now",
// and the health of each service. Health is polled; sync status also arrives live over the socket.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { refreshHealth, useHealth } from '../health.ts';
import { useAction } from '../hooks.ts';
import { applyStationLanguage, chooseLanguage, isLanguage, LANGUAGES } from '../i18n.ts';
import { useLive } from '../live.ts';
import { linkTo, useLocation } from '../router.ts';
import type { StationInfo, SyncResult } from '../types.ts';
import { useYield, yieldText } from '../yield.ts';

/** Each language named in itself, as a switcher shows it. */
const LANGUAGE_NAMES: Record<(typeof LANGUAGES)[number], string> = { ko: '한국어', en: 'English' };

/** The language switcher: the choice is applied at once and kept by this browser. */
function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span className="visually-hidden">{t('app.language')}</span>
      <select
        data-testid="language"
        value={i18n.resolvedLanguage}
        onChange={(e) => isLanguage(e.target.value) && chooseLanguage(e.target.value)}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The station bar. */
export function StationBar() {
  const { t } = useTranslation();
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
      .then((i) => {
        setInfo(i);
        applyStationLanguage(i.ui?.language);
      })
      .catch(() => setInfo(null));
  }, []);

  const backend = station.sync?.backendConnected ?? health?.backend_connected ?? false;
  const offlineMode = (station.sync?.mode ?? health?.sync?.mode) === 'offline';
  const pending = station.sync?.pending ?? health?.sync?.pending ?? null;
  const sync = () =>
    syncing.run(async () => {
      const r = await api<SyncResult>('POST', '/system/sync', {});
      setSynced(t('bar.synced', { synced: r.synced, pending: r.pending }));
      refreshHealth();
    });

  return (
    <header className="station-bar">
      <div className="brand">
        {/* The title: the bar may cut a long name short on a laptop or panel. */}
        <strong data-testid="station-name" title={info?.name}>
          {info?.name ?? t('app.station')}
        </strong>
        <nav aria-label={t('nav.main')}>
          <a href="/" aria-current={path === '/' ? 'page' : undefined} onClick={linkTo('/')}>
            {t('nav.overview')}
          </a>
          <a
            href="/results"
            aria-current={path.startsWith('/results') ? 'page' : undefined}
            onClick={linkTo('/results')}
          >
            {t('nav.results')}
          </a>
          <a href="/yield" aria-current={path === '/yield' ? 'page' : undefined} onClick={linkTo('/yield')}>
            {t('nav.yield')}
          </a>
          <a
            href="/trends"
            aria-current={path === '/trends' ? 'page' : undefined}
            onClick={linkTo('/trends')}
          >
            {t('nav.trends')}
          </a>
          <a
            href="/versions"
            aria-current={path === '/versions' ? 'page' : undefined}
            onClick={linkTo('/versions')}
          >
            {t('nav.versions')}
          </a>
        </nav>
      </div>
      <ul className="indicators">
        <li className={`ind link-${link}`} data-testid="link">
          {/* The status role on the words, not the item: a list holds only list items (axe "list"). */}
          <span role="status">
            {t(`link.${link}`)}
            {link === 'reconnecting' && retryIn ? ` ${t('link.retryIn', { seconds: retryIn })}` : ''}
          </span>
        </li>
        <li className="ind" data-testid="yield" title={t('bar.todayTitle')}>
          {t('bar.today', { figures: yieldText(today) })}
        </li>
        <li className={`ind ${backend ? 'ok' : 'warn'}`} data-testid="backend">
          {t('bar.backend', {
            state: t(
              backend
                ? 'bar.backendConnected'
                : offlineMode
                  ? 'bar.backendOfflineMode'
                  : 'bar.backendOffline',
            ),
          })}
        </li>
        <li className="ind" data-testid="sync-queue">
          {t('bar.syncQueue', { count: pending ?? '?' })}
          <button type="button" className="btn small" onClick={sync} disabled={syncing.busy}>
            {t('bar.syncNow')}
          </button>
          {syncing.error ? <span className="action-error"> {syncing.error}</span> : null}
          {synced && !syncing.error ? <span className="muted"> {synced}</span> : null}
        </li>
        <li className={`ind health-${health?.status ?? 'unknown'}`} data-testid="health">
          {/* Service names are jargon to an operator: the word up front, the parts behind a click. */}
          <details>
            <summary>
              {t('bar.health', { status: t(`bar.healthStatus.${health?.status ?? 'unknown'}`) })}
            </summary>
            {health
              ? Object.entries(health.services).map(([name, s]) => (
                  <span key={name} className={`svc ${s.reachable ? 'ok' : 'bad'}`} title={s.error}>
                    {name} {s.reachable ? '✓' : '✗'}
                  </span>
                ))
              : null}
          </details>
        </li>
        <li className="ind">
          <LanguageSwitch />
        </li>
      </ul>
    </header>
  );
}
