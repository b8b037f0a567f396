// When to try a failed delivery again: exponential backoff with full jitter, and the Backend's own
// Retry-After (RFC 9110 §10.2.3) when it sends one.
import { backoffDelay as backoff } from '@station/time';

/** Retry delays, in milliseconds, from `backend.retry_base` and `backend.retry_cap`. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** Longest Retry-After we take literally; anything longer is treated as a day (a typo, not a plan). */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Delay before attempt `attempt + 1`, drawn uniformly from [base, min(cap, base * 2^attempt)] (the shared
 * backoff with full jitter). The jitter spreads a station's backlog (and many stations) across the window
 * instead of retrying in lockstep; the floor at `base` keeps a failing Backend from being hit again at once.
 * @example backoffDelay(3, { baseMs: 1000, capMs: 300_000 }, Math.random) // somewhere in 1 s .. 8 s
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  return backoff(Math.max(1, attempt), { ...policy, jitter: 'full' }, random);
}

/**
 * Milliseconds to wait according to a Retry-After header: delta-seconds or an HTTP-date. `undefined` when
 * the header is absent or unreadable, so the caller falls back to backoff.
 * @example parseRetryAfter('120', now) // 120000
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Math.min(MAX_RETRY_AFTER_MS, Number(text) * 1000);
  // HTTP-dates always name a day or month; without this, Date.parse reads "-5" as the year 5 BC.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - nowMs));
}
