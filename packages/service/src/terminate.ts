// Ending a child process the POSIX way: SIGTERM so it can clean up, SIGKILL when it has not gone within a
// grace. The launcher (services) and the batch supervisor (runners) both end children through this.
import { sleep, systemTimers, type Timers } from '@station/time';

/** The part of a child process this needs; a Bun `Subprocess` is one. */
export interface Killable {
  readonly exited: Promise<unknown>;
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
}

/** Which signal ended the process, or `alive` when it outlived even the wait after SIGKILL. */
export type TerminatedBy = 'SIGTERM' | 'SIGKILL' | 'alive';

export interface TerminateOptions {
  /** How long after SIGTERM before SIGKILL (ms). */
  graceMs: number;
  /** How long to wait after SIGKILL before answering `alive` (ms); by default until the process is gone. */
  killGraceMs?: number;
  /** Called just before each signal is sent, to say so in the caller's log. */
  onSignal?: (signal: 'SIGTERM' | 'SIGKILL') => void;
  /** The timers the graces run on (default: the real ones). */
  clock?: Timers;
}

/** Whether `exited` settles within `ms`; the timer is cleared as soon as it does, so it holds nothing open. */
export async function exitsWithin(
  exited: Promise<unknown>,
  ms: number,
  clock: Timers = systemTimers,
): Promise<boolean> {
  if (ms === Number.POSITIVE_INFINITY) return exited.then(() => true);
  let gone = false;
  const timer = new AbortController();
  await Promise.race([
    exited.then(() => (gone = true)),
    sleep(ms, timer.signal, undefined, clock).catch(() => undefined),
  ]);
  timer.abort();
  return gone;
}

/**
 * SIGTERM, then SIGKILL if the process is still there after `graceMs`; resolves with the signal that
 * ended it.
 * @example await terminate(proc, { graceMs: 5_000 }) // 'SIGTERM' for a well-behaved child
 */
export async function terminate(proc: Killable, options: TerminateOptions): Promise<TerminatedBy> {
  options.onSignal?.('SIGTERM');
  proc.kill('SIGTERM');
  if (await exitsWithin(proc.exited, options.graceMs, options.clock)) return 'SIGTERM';
  options.onSignal?.('SIGKILL');
  proc.kill('SIGKILL');
  const killGraceMs = options.killGraceMs ?? Number.POSITIVE_INFINITY;
  if (await exitsWithin(proc.exited, killGraceMs, options.clock)) return 'SIGKILL';
  return 'alive';
}
