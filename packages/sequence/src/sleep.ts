// An abortable sleep: the one timing primitive steps and simulated drivers share.
import { SequenceError } from './errors.ts';

/** The error a signal carries, or a generic ABORTED one when it was aborted without a reason. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new SequenceError('ABORTED', 'aborted');
}

/** Resolves after `ms`; rejects with the signal's reason as soon as `signal` fires (or at once if it has). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
