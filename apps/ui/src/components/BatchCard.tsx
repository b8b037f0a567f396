// One batch on the overview: state in words and colour, the unit on the fixture (ready for a serial,
// testing with the open prompt, or its verdict with the whole card coloured by it), the running sequence
// and its progress, and only the buttons that are legal in the current state.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ACTIONS, actionLabel, batchActions } from '../actions.ts';
import { api } from '../api.ts';
import { clockTime, duration, interruptionWord, seconds, stateWord } from '../format.ts';
import { useAction, useNow } from '../hooks.ts';
import { useLive } from '../live.ts';
import { timeProgress, useStepWeights } from '../progress.ts';
import { linkTo } from '../router.ts';
import type { BatchStatus, VerdictWord } from '../types.ts';
import { recallUnit, rememberUnit } from '../unit.ts';
import { useYield, yieldText } from '../yield.ts';
import { DriftBadge } from './DriftBadge.tsx';
import { StartSequence } from './StartSequence.tsx';
import { PromptPanel, ReadyForm, UnitVerdictBlock } from './UnitPanel.tsx';

/** Seconds the running step has taken at `now`; undefined when the station has not said when it began. */
export function stepElapsedOf(b: BatchStatus, now: number): number | undefined {
  if (!b.sequenceRunning || !b.stepStartedAt) return undefined;
  const began = Date.parse(b.stepStartedAt);
  return Number.isFinite(began) ? Math.max(0, (now - began) / 1000) : undefined;
}

/** Seconds since `startedAt` while running, else the last reported elapsed. */
export function elapsedOf(b: BatchStatus, now: number): number | undefined {
  if (b.sequenceRunning && b.startedAt) return Math.max(0, (now - Date.parse(b.startedAt)) / 1000);
  // Between runs the card keeps the last run's duration rather than a blank.
  return b.elapsed ?? b.lastResult?.duration;
}

/** A run's verdict, large, as the station gave it (`verdictOf`); a dash while the run has none. */
export function Verdict({ verdict }: { verdict: VerdictWord | null }) {
  const { t } = useTranslation();
  if (!verdict) return <span className="verdict none">—</span>;
  const css = verdict === 'ABORTED' ? 'aborted' : verdict.toLowerCase();
  return <span className={`verdict ${css}`}>{t(`verdict.${verdict}`)}</span>;
}

/** Process and sequence buttons for a batch, shown only when the state allows them (`batchActions`). */
export function BatchActions({ b }: { b: BatchStatus }) {
  const { t } = useTranslation();
  const action = useAction();
  const [starting, setStarting] = useState(false);
  // Abort ends this unit's test: asked once more, with the answer that keeps testing first.
  const [confirming, setConfirming] = useState(false);
  const post = (path: string) => action.run(() => api('POST', `/batches/${b.id}${path}`));
  return (
    <div className="card-actions">
      {batchActions(b).map((name) => {
        const { path, className } = ACTIONS[name];
        return (
          <button
            key={name}
            type="button"
            className={className}
            disabled={action.busy || (name === 'start-sequence' && !b.sequenceName)}
            onClick={() =>
              path === null ? setStarting(true) : name === 'abort' ? setConfirming(true) : post(path)
            }
          >
            {actionLabel(name)}
          </button>
        );
      })}
      {confirming && b.sequenceRunning ? (
        <div
          className="confirm"
          role="alertdialog"
          aria-labelledby={`abort-${b.id}`}
          data-testid="confirm-abort"
        >
          <p id={`abort-${b.id}`}>{t('card.abortQuestion', { name: b.name })}</p>
          <button
            type="button"
            className="btn stop"
            onClick={() => {
              setConfirming(false);
              void post(ACTIONS.abort.path ?? '/sequence/stop');
            }}
          >
            {t('card.abortYes')}
          </button>
          {/* biome-ignore lint/a11y/noAutofocus: the safe answer takes the focus, so Enter keeps testing. */}
          <button type="button" className="btn" autoFocus onClick={() => setConfirming(false)}>
            {t('card.abortNo')}
          </button>
        </div>
      ) : null}
      {action.error ? (
        <p className="action-error" role="alert">
          {action.error}
        </p>
      ) : null}
      {starting && b.sequenceName ? (
        <StartSequence batchId={b.id} sequenceName={b.sequenceName} onClose={() => setStarting(false)} />
      ) : null}
    </div>
  );
}

/**
 * A run in progress that a runner crash cut off and the next runner continued (manifest `resume:`): when,
 * from which step and why, so nobody takes it for an ordinary run. The result page lists every one.
 */
function ResumedNote({ resumes }: { resumes: NonNullable<BatchStatus['resumes']> }) {
  const { t } = useTranslation();
  const last = resumes[resumes.length - 1]!;
  return (
    <div className="storage-warning resumed" role="status" data-testid="resumed">
      <strong>{t('card.resumedTitle')}</strong>{' '}
      {t('card.resumedBody', {
        time: clockTime(last.resumedAt),
        n: last.fromOrder + 1,
        step: last.fromStep,
        why: interruptionWord(last.reason),
      })}
      {resumes.length > 1 ? ` ${t('card.resumedMore', { count: resumes.length })}` : null}
    </div>
  );
}

/** The data folder's disk as every card shows it (from the health check); absent when all is well. */
export interface StorageWarning {
  level: 'warn' | 'low';
  reason: string;
}

/** The serial of the unit `executionId` tested: from this page's start, else from what the station says. */
function serialFor(
  executionId: string | undefined,
  unit: { serial: string; executionId?: string } | undefined,
  reported: string | null | undefined,
): string | undefined {
  if (reported) return reported;
  if (!unit?.serial) return undefined;
  return unit.executionId === undefined || unit.executionId === executionId ? unit.serial : undefined;
}

/** One batch as a card. */
export function BatchCard({
  b,
  now: slowNow,
  storage,
}: {
  b: BatchStatus;
  now: number;
  storage?: StorageWarning;
}) {
  const { t } = useTranslation();
  // The station bar refreshes the figures when any run ends; a card only reads its slot's.
  const slotYield = useYield('', b.id);
  const { station, link } = useLive();
  const lv = station.live[b.id];
  // What this page knows of the unit, kept for the session so a reload mid-run still shows its serial.
  const unit = lv?.unit?.serial ? lv.unit : recallUnit(b.id);
  const unitSerial = lv?.unit?.serial;
  const unitRun = lv?.unit?.executionId;
  useEffect(() => {
    if (unitSerial) rememberUnit(b.id, { serial: unitSerial, ...(unitRun ? { executionId: unitRun } : {}) });
  }, [b.id, unitSerial, unitRun]);
  const testing = b.status === 'running' && b.sequenceRunning === true;
  // While it tests, the card's clocks and its bar move ten times a second, not in one-second jumps.
  const fastNow = useNow(testing ? 100 : 60_000);
  const now = testing ? Math.max(fastNow, slowNow) : slowNow;
  const weights = useStepWeights(b.id, b.sequenceName, b.totalSteps, testing ? b.executionId : undefined);
  const starting = lv?.starting === true;
  // The station's verdict of the last run, as it gave it (`verdictOf` where the run ended).
  const verdict = testing || starting ? undefined : b.lastResult?.verdict;
  const last = b.lastResult;
  const serial = testing
    ? serialFor(b.executionId, unit, b.dut?.serialNumber)
    : starting
      ? unit?.serial
      : serialFor(last?.executionId, unit, last?.dut?.serialNumber);
  const unsafe = b.lastError?.code === 'RECOVERY_FAILED';
  const ready = b.status === 'running' && !testing && !starting && !!b.sequenceName && !unsafe;
  const unitState = testing || starting ? 'testing' : verdict ? verdict.toLowerCase() : 'ready';
  const stepElapsed = stepElapsedOf(b, now);
  // By time (progress.ts): past durations weigh the steps; the step counter alone when the position is unknown.
  const byTime =
    testing && b.stepIndex !== undefined && b.totalSteps
      ? timeProgress(
          { stepIndex: b.stepIndex, totalSteps: b.totalSteps, stepElapsed: stepElapsed ?? 0 },
          weights,
        )
      : (b.progress ?? 0);
  // The bar of one run never goes back (the past durations may arrive after it started on equal weights).
  const shown = useRef({ run: '', max: 0 });
  if (shown.current.run !== (b.executionId ?? '')) shown.current = { run: b.executionId ?? '', max: 0 };
  const progress = Math.max(byTime, shown.current.max);
  shown.current.max = progress;
  const pct = Math.floor(progress * 100);
  const step =
    b.sequenceRunning && b.currentStep
      ? b.stepIndex !== undefined && b.totalSteps
        ? t('card.stepOf', { step: b.currentStep, n: b.stepIndex + 1, total: b.totalSteps })
        : b.currentStep
      : '—';
  // "Ready" only once the card can take a unit: the runner's package is known, so its scan form is there.
  const loading = b.status === 'running' && !testing && !b.sequenceName;
  return (
    <article
      className={`card state-${b.status} unit-${unitState}${b.lastError ? ' has-error' : ''}${link === 'live' ? '' : ' link-lost'}`}
      data-batch={b.id}
      data-unit={unitState}
      // While the link is down the card is what the station last said, not what it says now.
      aria-busy={link === 'live' ? undefined : true}
      aria-labelledby={`card-${b.id}`}
    >
      <header className="card-head">
        <h2 id={`card-${b.id}`}>
          <a href={`/batches/${b.id}`} onClick={linkTo(`/batches/${b.id}`)}>
            {b.name}
          </a>
        </h2>
        <span className={`badge state-${loading ? 'starting' : b.status}`} data-testid="state">
          {loading ? t('state.starting') : stateWord(b.status, b.sequenceRunning === true)}
        </span>
      </header>
      {testing || starting ? (
        <div className="unit-now" data-testid="unit-now">
          <span className="label">{starting ? t('card.starting') : t('card.testing')}</span>
          <span className="unit-serial">{serial ?? '—'}</span>
        </div>
      ) : null}
      {testing && lv?.prompt ? (
        <PromptPanel batchId={b.id} sequenceName={b.sequenceName} prompt={lv.prompt} now={now} />
      ) : null}
      <dl className="facts">
        <dt className="fact-sequence">{t('card.sequence')}</dt>
        <dd className="fact-sequence">
          {b.sequenceName ? `${b.sequenceName} ${b.sequenceVersion ?? ''}` : '—'}
        </dd>
        <dt className="fact-step">{t('card.step')}</dt>
        <dd className="fact-step" data-testid="step">
          {step}
          {stepElapsed !== undefined ? (
            <span className="step-elapsed" data-testid="step-elapsed">
              {' · '}
              {t('card.stepTime', { seconds: seconds(stepElapsed) })}
            </span>
          ) : null}
        </dd>
        <dt className="fact-elapsed">{t('card.elapsed')}</dt>
        <dd className="fact-elapsed" data-testid="elapsed">
          {duration(elapsedOf(b, now))}
        </dd>
        <dt className="fact-today">{t('card.today')}</dt>
        <dd className="fact-today" data-testid="slot-yield">
          {yieldText(slotYield)}
        </dd>
      </dl>
      <div
        className="progress"
        role="progressbar"
        aria-label={t('card.progress', { name: b.name })}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={b.sequenceRunning ? pct : undefined}
      >
        <div className="bar" style={{ width: `${b.sequenceRunning ? (progress * 100).toFixed(1) : 0}%` }} />
        <span>{b.sequenceRunning ? t('card.percent', { pct }) : t('card.notTesting')}</span>
      </div>
      <div className="last" data-testid="last-result">
        {verdict ? (
          <UnitVerdictBlock verdict={verdict} serial={serial} errorCode={b.lastResult?.errorCode} />
        ) : (
          <>
            <span className="label">{t('card.result')}</span>
            <span className="verdict none">{testing || starting ? t('card.testingNow') : '—'}</span>
          </>
        )}
      </div>
      {ready ? <ReadyForm batchId={b.id} /> : null}
      {b.lastError ? (
        <div className="error-banner" role="alert" data-testid="batch-error">
          <strong>{b.lastError.code}</strong> {b.lastError.message}
          {unsafe ? <p className="error-hint">{t('card.recoveryHint')}</p> : null}
        </div>
      ) : null}
      {testing && b.resumes?.length ? <ResumedNote resumes={b.resumes} /> : null}
      {b.drift ? <DriftBadge drift={b.drift} /> : null}
      {b.stale ? (
        <div className="storage-warning" role="status" data-testid="stale">
          <strong>{t('card.staleTitle')}</strong> {t('card.staleBody', { time: clockTime(b.stale.since) })}
        </div>
      ) : null}
      {storage ? (
        <div className={`storage-warning ${storage.level}`} role="status" data-testid="storage">
          <strong>{storage.level === 'low' ? t('card.diskFull') : t('card.diskAlmostFull')}</strong>{' '}
          {storage.reason}
        </div>
      ) : null}
      <BatchActions b={b} />
    </article>
  );
}
