// An abortable sleep: the one way station code waits for a fixed time, on the real timers or on the ones a
// module was handed (a test's ManualClock).
import { systemTimers, type Timers } from './timers.ts';

/** What an aborted sleep rejects with when the caller does not say: the signal's own reason. */
function signalReason(signal: AbortSignal): unknown {
  return signal.reason;
}

/**
 * Resolves after `ms` (a negative `ms` counts as 0) on `timers`. With a `signal`, rejects as soon as it
 * fires (or at once if it already has), with `reasonOf(signal)`, so a package can turn the abort into its
 * own error.
 * @example await sleep(250) // a quarter of a second
 */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  reasonOf: (signal: AbortSignal) => unknown = signalReason,
  timers: Timers = systemTimers,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(reasonOf(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      timer.cancel();
      if (signal) reject(reasonOf(signal));
    };
    const timer = timers.after(Math.max(0, ms), () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
