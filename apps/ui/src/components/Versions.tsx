// The engineer's page for sequence versions (issue 22): what each slot runs and what its next run takes,
// the rule it follows (station.yaml or a pin) with a switch, and every installed version of each package
// with an upload. A switch is a pin (POST /api/batches/{id}/sequence/version): the station takes it at the
// slot's next start, so a running test finishes on its own version.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, apiKey } from '../api.ts';
import { when } from '../format.ts';
import { describeError, useLoad } from '../hooks.ts';
import { useLive } from '../live.ts';
import type { BatchVersion, InstalledVersion } from '../types.ts';

/** The first 7 hex digits of a content hash: enough to tell versions apart on a screen. */
export function shortHash(hash: string): string {
  return hash.slice(0, 7);
}

interface Slot {
  batchId: string;
  version?: BatchVersion;
  error?: string;
}

interface VersionsData {
  slots: Slot[];
  /** Installed versions of each package the slots use, newest first. */
  packages: Record<string, InstalledVersion[]>;
}

async function loadVersions(ids: string[]): Promise<VersionsData> {
  const slots = await Promise.all(
    ids.map((batchId) =>
      api<BatchVersion>('GET', `/batches/${encodeURIComponent(batchId)}/sequence/version`).then(
        (version): Slot => ({ batchId, version }),
        (err: unknown): Slot => ({ batchId, error: describeError(err) }),
      ),
    ),
  );
  const names = [...new Set(slots.flatMap((s) => (s.version ? [s.version.sequence] : [])))];
  const packages: Record<string, InstalledVersion[]> = {};
  await Promise.all(
    names.map(async (name) => {
      const info = await api<{ versions?: InstalledVersion[] }>(
        'GET',
        `/sequences/${encodeURIComponent(name)}`,
      );
      packages[name] = info.versions ?? [];
    }),
  );
  return { slots, packages };
}

/** Sends a package archive (`station package`'s .tgz) to POST /api/sequences. */
async function uploadArchive(file: File): Promise<InstalledVersion & { created: boolean }> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/gzip' };
  const key = apiKey();
  if (key) headers['x-api-key'] = key;
  let res: Response;
  try {
    res = await fetch('/api/sequences', { method: 'POST', headers, body: file });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', 'the station does not answer', undefined, { cause: err });
  }
  const body = (await res.json().catch(() => null)) as
    | (InstalledVersion & { created: boolean })
    | { error?: { code?: string; message?: string; details?: unknown } }
    | null;
  if (res.ok && body && 'version' in body) return body;
  const err = body && 'error' in body ? body.error : undefined;
  throw new ApiError(
    res.status,
    err?.code ?? `HTTP_${res.status}`,
    err?.message ?? res.statusText,
    err?.details,
  );
}

/** "1.1.0 · 3f2a9c1". */
function versionText(v: { version: string; hash: string } | null | undefined): string | null {
  return v ? `${v.version} · ${shortHash(v.hash)}` : null;
}

/** The words for a failed switch or upload: the role needed is said in the page's language. */
function actionError(t: (key: string) => string, err: unknown): string {
  if (err instanceof ApiError && err.code === 'FORBIDDEN') return t('versions.forbidden');
  return describeError(err);
}

/**
 * A form's request (a switch, an upload): busy while it runs, then what it did or why it could not.
 * `send` answers the sentence that says what was done.
 */
function useVersionAction(send: () => Promise<string>) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await send());
    } catch (err) {
      setError(actionError(t, err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, submit };
}

/** What the last request of a form did, or why it could not. */
function Outcome({ error, done }: { error: string | null; done: string | null }) {
  if (error) {
    return (
      <p className="action-error" role="alert">
        {error}
      </p>
    );
  }
  return done ? (
    <p className="muted" role="status">
      {done}
    </p>
  ) : null;
}

function SlotVersion({
  slot,
  name,
  installed,
  onSwitched,
}: {
  slot: BatchVersion;
  name: string;
  installed: InstalledVersion[];
  onSwitched(): void;
}) {
  const { t } = useTranslation();
  const [choice, setChoice] = useState(slot.source === 'pin' ? slot.rule : '');
  const loaded = versionText(slot.loaded);
  const next = versionText(slot.next);
  const waits = slot.loaded && slot.next && slot.loaded.hash !== slot.next.hash;
  const selectId = `version-${slot.batchId}`;

  const { busy, error, done, submit } = useVersionAction(async () => {
    if (!choice) return '';
    const r = await api<BatchVersion>(
      'POST',
      `/batches/${encodeURIComponent(slot.batchId)}/sequence/version`,
      { version: choice },
    );
    onSwitched();
    return t(r.sequenceRunning ? 'versions.switchedAfterRun' : 'versions.switched', {
      version: r.next?.version ?? r.rule,
    });
  });

  return (
    <li className="panel version-slot" data-slot={slot.batchId}>
      <h3>
        {name} <span className="muted">{slot.sequence}</span>
      </h3>
      <dl className="facts">
        <dt>{t('versions.runs')}</dt>
        <dd data-testid="loaded">{loaded ?? t('versions.notLoaded')}</dd>
        <dt>{t('versions.next')}</dt>
        <dd data-testid="next">{next ?? t('versions.none')}</dd>
        <dt>{t('versions.rule')}</dt>
        <dd data-testid="rule">
          {slot.source === 'pin'
            ? t('versions.pinned', {
                version: slot.rule === 'latest' ? t('versions.latest') : slot.rule,
                by: slot.pinnedBy ?? '–',
                at: when(slot.pinnedAt),
              })
            : t('versions.fromConfig', {
                version: slot.rule === 'latest' ? t('versions.latest') : slot.rule,
              })}
        </dd>
      </dl>
      {waits ? (
        <p className="hint" data-testid="waits">
          {t(slot.sequenceRunning ? 'versions.afterRun' : 'versions.atNextStart', {
            version: slot.next?.version,
          })}
        </p>
      ) : null}
      <form className="version-switch" onSubmit={submit}>
        <label htmlFor={selectId}>{t('versions.switchTo')}</label>
        <select id={selectId} value={choice} onChange={(e) => setChoice(e.target.value)}>
          <option value="" disabled>
            {t('versions.choose')}
          </option>
          <option value="latest">{t('versions.latestOption')}</option>
          {installed.map((v) => (
            <option key={v.version} value={v.version}>
              {versionText(v)}
            </option>
          ))}
        </select>
        <button type="submit" className="btn" disabled={busy || !choice}>
          {t('versions.switch')}
        </button>
      </form>
      <Outcome error={error} done={done} />
    </li>
  );
}

function Upload({ onInstalled }: { onInstalled(): void }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const { busy, error, done, submit } = useVersionAction(async () => {
    if (!file) return '';
    const r = await uploadArchive(file);
    onInstalled();
    return t(r.created ? 'versions.installed' : 'versions.alreadyInstalled', {
      name: r.name,
      version: r.version,
    });
  });
  return (
    <form className="panel version-upload" onSubmit={submit}>
      <label htmlFor="version-archive">{t('versions.archive')}</label>
      <input
        id="version-archive"
        type="file"
        accept=".tgz,application/gzip"
        onChange={(e) => setFile(e.target.files?.[0] ?? null)}
      />
      <button type="submit" className="btn" disabled={busy || !file}>
        {t('versions.install')}
      </button>
      <Outcome error={error} done={done} />
    </form>
  );
}

/** Every slot's version with a switch, and the installed versions of each package. */
export function Versions() {
  const { t } = useTranslation();
  const { station } = useLive();
  const [tick, setTick] = useState(0);
  const ids = station.order;
  // A start loads the version a rule picks and a run's end frees a waiting switch: read again at either.
  const key = `${tick}|${ids
    .map((id) => {
      const b = station.batches[id];
      return `${id}:${b?.status}:${b?.sequenceRunning}:${b?.executionId ?? ''}:${b?.lastResult?.executionId ?? ''}`;
    })
    .join(',')}`;
  const { data, error } = useLoad(key, () => loadVersions(ids));
  const reload = () => setTick((n) => n + 1);
  const slotsOn = (name: string, hash: string) =>
    (data?.slots ?? [])
      .filter((s) => s.version?.sequence === name && s.version.loaded?.hash === hash)
      .map((s) => station.batches[s.batchId]?.name ?? s.batchId);

  return (
    <section className="versions" aria-labelledby="versions-title">
      <h1 id="versions-title">{t('versions.title')}</h1>
      <p className="hint">{t('versions.intro')}</p>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <h2>{t('versions.slots')}</h2>
      <ul className="version-slots">
        {(data?.slots ?? []).map((s) =>
          s.version ? (
            <SlotVersion
              key={s.batchId}
              slot={s.version}
              name={station.batches[s.batchId]?.name ?? s.batchId}
              installed={data?.packages[s.version.sequence] ?? []}
              onSwitched={reload}
            />
          ) : (
            <li key={s.batchId} className="panel version-slot" data-slot={s.batchId}>
              <h3>{station.batches[s.batchId]?.name ?? s.batchId}</h3>
              <p className="action-error">{s.error}</p>
            </li>
          ),
        )}
      </ul>
      <h2>{t('versions.installedTitle')}</h2>
      {Object.entries(data?.packages ?? {}).map(([name, versions]) => (
        <div key={name} className="panel version-package" data-package={name}>
          <h3>{name}</h3>
          <ul className="version-list">
            {versions.map((v) => {
              const on = slotsOn(name, v.hash);
              return (
                <li key={v.version} data-version={v.version}>
                  <strong>{v.version}</strong> <code>{shortHash(v.hash)}</code>{' '}
                  <span className="muted">
                    {v.source === 'folder'
                      ? t('versions.folder')
                      : t('versions.installedAt', { at: when(v.installedAt) })}
                  </span>
                  {on.length > 0 ? (
                    <span className="version-on">{t('versions.runsOn', { slots: on.join(', ') })}</span>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </div>
      ))}
      <h2>{t('versions.uploadTitle')}</h2>
      <Upload onInstalled={reload} />
    </section>
  );
}
