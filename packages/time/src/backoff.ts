// Exponential backoff between retries (sync-agent deliveries, supervisor and launcher restarts): one
// formula, with the growth, the cap and the jitter spelled out by each caller.

/** How the delay grows. */
export interface Backoff {
  /** First delay, in milliseconds. */
  baseMs: number;
  /** Longest delay, in milliseconds. */
  capMs: number;
  /** Growth per step; 2 doubles the delay each time. */
  factor?: number;
  /**
   * `none`: exactly `min(cap, base * factor^step)`. `full`: drawn uniformly from [base, that ceiling] (with
   * base at least 0 and cap at least base), which spreads many retriers across the window instead of
   * retrying in lockstep, while the floor at `base` keeps a failing peer from being hit again at once.
   */
  jitter?: 'none' | 'full';
}

/**
 * Delay before the next try after `step` growth steps (0 for the first delay, which is `base`).
 * `random` is only drawn from with `jitter: 'full'`; tests hand in a fixed one.
 * @example backoffDelay(3, { baseMs: 1000, capMs: 5000 }) // 5000 (8 s, capped)
 */
export function backoffDelay(step: number, backoff: Backoff, random: () => number = Math.random): number {
  const factor = backoff.factor ?? 2;
  if ((backoff.jitter ?? 'none') === 'none') return Math.min(backoff.capMs, backoff.baseMs * factor ** step);
  const base = Math.max(0, backoff.baseMs);
  const cap = Math.max(base, backoff.capMs);
  // factor^step overflows to Infinity for huge step counts, which min() turns back into the cap.
  const ceiling = Math.min(cap, base * factor ** step);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(base + r * (ceiling - base));
}
