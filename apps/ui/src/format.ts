// How values read on the screen: durations, times, status words, measurement limits.
import { language, t } from './i18n.ts';
import type { Measurement } from './types.ts';

/** "1:05" for 65 s, "1:02:03" past an hour; "0:00.4" under ten seconds shows tenths. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const ss = s < 10 ? sec.toFixed(1).padStart(4, '0') : String(Math.floor(sec)).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Seconds with one decimal, as the language writes numbers ("1.3", or "1,3" where a comma is the mark). */
export function seconds(s: number): string {
  return s.toLocaleString(language(), { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** The status reasons a runner crash cuts a run off with (runner.md, "Recovery after a crash"). */
const INTERRUPTIONS = new Set(['BATCH_CRASHED', 'BATCH_LOST', 'RESOURCE_LIMIT', 'INTERRUPTED']);

/** What cut a run off, in an operator's words (the code itself for one the UI does not know). */
export function interruptionWord(code: string): string {
  return INTERRUPTIONS.has(code) ? t(`interruption.${code}`) : t('interruption.other', { code });
}

/** Local date and time, to the second. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(language(), { hour12: false });
}

/**
 * Local time of day to the second, as `when` shows it: a log line must read on the same clock as the
 * results and cards beside it, not on the UTC clock its ISO stamp is written in.
 */
export function clockTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(language(), { hour12: false });
}

const STATES = ['idle', 'starting', 'stopping', 'error'] as const;

/**
 * The word shown with a batch's state, so the state never depends on colour alone, in the words an
 * operator uses: Stopped (no process), Ready (up, not testing), Testing, Error.
 */
export function stateWord(status: string, testing: boolean): string {
  if (status === 'running') return t(testing ? 'state.testing' : 'state.ready');
  return (STATES as readonly string[]).includes(status)
    ? t(`state.${status as (typeof STATES)[number]}`)
    : status;
}

const STEPS = ['pending', 'running', 'passed', 'failed', 'skipped', 'interrupted'] as const;

const RUNS = ['running', 'completed', 'failed', 'stopped', 'aborted', 'timeout'] as const;

/** A stored run's status in words. */
export function runStatus(status: string): string {
  return (RUNS as readonly string[]).includes(status)
    ? t(`runStatus.${status as (typeof RUNS)[number]}`)
    : status;
}

/** A step's display state (see `stepState`) in words. */
export function stepWord(state: string): string {
  return (STEPS as readonly string[]).includes(state) ? t(`step.${state as (typeof STEPS)[number]}`) : state;
}

/** How a run ended, as far as its steps go (a stored result, or the end the station announced). */
export interface RunEnd {
  status: string;
  statusReason?: string | null;
  /** The message the station ended the run with (a crash: the same text is on the step it cut off). */
  error?: string | null;
}

/**
 * Whether step `s` of a run that ended as `run` was cut short rather than failing on its own: every
 * failed or running step of an aborted run, and the step in flight when the station ended the run (a
 * crash, a lost runner: the store gives that step the run's own error).
 */
export function cutShort(run: RunEnd | undefined, s: { status: string; error?: string | null }): boolean {
  if (!run || run.status === 'running') return false;
  if (s.status === 'running') return true;
  if (s.status !== 'failed') return false;
  if (run.status === 'stopped') return true;
  return !!run.statusReason && !!run.error && s.error === run.error;
}

/** A step's display state: a completed step whose pass is false reads as failed. */
export function stepState(status: string, pass: boolean | null | undefined, aborted = false): string {
  // The step an abort cut short did not fail: it was interrupted, as its run's ABORTED says.
  if (aborted && (status === 'failed' || status === 'running')) return 'interrupted';
  if (status === 'completed' && pass === false) return 'failed';
  return status === 'completed' ? 'passed' : status;
}

export function value(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** The limit a measurement is judged against: "4.9 … 5.1 V", "≥ 0 A", "= cv", or "recorded". */
export function limits(m: Measurement): string {
  const unit = m.unit ? ` ${m.unit}` : '';
  const low = m.low ?? null;
  const high = m.high ?? null;
  if (m.equals !== null && m.equals !== undefined) return `= ${value(m.equals)}`;
  if (low !== null && high !== null) return `${value(low)} … ${value(high)}${unit}`;
  if (low !== null) return `≥ ${value(low)}${unit}`;
  if (high !== null) return `≤ ${value(high)}${unit}`;
  return t('detail.recorded');
}
