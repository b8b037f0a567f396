// The batch status machine: idle -> starting -> running -> stopping -> idle, `error` on a failed start or
// a crash. Every change of status goes through `canTransition`, so an illegal one is a bug caught at once.
import type { BatchState } from '@station/model';

/** The statuses each status may move to. */
const NEXT: Record<BatchState, readonly BatchState[]> = {
  // `running` directly: a runner of an earlier supervisor adopted as it runs.
  idle: ['starting', 'running'],
  // A start ends registered (running), failed (error), or cancelled by a stop (stopping).
  starting: ['running', 'error', 'stopping'],
  // `error` = the runner exited or hung without being asked.
  running: ['stopping', 'error'],
  // `error` only when even SIGKILL did not end the process.
  stopping: ['idle', 'error'],
  // Started again (by hand or by the restart policy), or acknowledged by a stop.
  error: ['starting', 'idle'],
};

/** Whether `from -> to` is a legal transition. */
export function canTransition(from: BatchState, to: BatchState): boolean {
  return NEXT[from].includes(to);
}

/** Every legal transition, for the docs and the tests. */
export function transitions(): [BatchState, BatchState][] {
  return (Object.keys(NEXT) as BatchState[]).flatMap((from) =>
    NEXT[from].map((to): [BatchState, BatchState] => [from, to]),
  );
}

/** Statuses in which the batch has (or is getting) a runner process. */
export function hasProcess(state: BatchState): boolean {
  return state === 'starting' || state === 'running' || state === 'stopping';
}
