// The abortable sleep steps and simulated drivers share: the station's one sleep, with an abort turned
// into this package's ABORTED error when the signal carries no error of its own.
import { sleep as sleepFor } from '@station/time';
import { SequenceError } from './errors.ts';

/** The error a signal carries, or a generic ABORTED one when it was aborted without a reason. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new SequenceError('ABORTED', 'aborted');
}

/** Resolves after `ms`; rejects with the signal's reason as soon as `signal` fires (or at once if it has). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepFor(ms, signal, abortReason);
}
