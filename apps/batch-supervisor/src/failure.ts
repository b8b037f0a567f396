// How a runner's unasked end is described to the operator: which code, what happened (exit code, signal,
// lost heartbeat), the last lines it wrote to stderr, and the executions that were marked because of it.
import type { ErrorInfo } from '@station/model';
import type { ExitInfo } from './types.ts';

/** Codes of the `error` events and `lastError` the supervisor produces. */
export type FailureCode =
  /** A running runner exited, was killed by a signal, or hung and was killed. */
  | 'BATCH_CRASHED'
  /** A runner exited or failed to register on the bus before it became `running`. */
  | 'BATCH_START_FAILED'
  /** The restart policy stopped restarting a batch that keeps failing. */
  | 'BATCH_RESTART_GAVE_UP'
  /** A runner did not exit even after SIGKILL. */
  | 'BATCH_STOP_FAILED'
  /** An adopted runner is gone without an exit reason (SIGKILL, the kernel's OOM killer). */
  | 'BATCH_LOST'
  /** The runner's recovery after a crash failed; runs are refused until an operator acknowledges it. */
  | 'RECOVERY_FAILED'
  /** A runner was killed because its memory passed the batch's `limits.memory_mb`. */
  | 'RESOURCE_LIMIT'
  /** A runner left a step running past its grace (it ignored abort or timeout) and was replaced. */
  | 'RUNNER_RECYCLED';

/** Everything known about one failure, kept as the batch's `lastError.details`. */
export interface FailureDetails {
  exitCode?: number | null;
  signal?: string | null;
  /** Why the supervisor killed it, when it did (start timeout, lost heartbeat). */
  killedBecause?: string;
  stderr: string[];
  /** Executions that were `running` and were marked `failed` because of this failure. */
  executions?: string[];
  restart?: { attempt: number; delayMs: number } | { gaveUp: string };
  /** What the runner wrote in its exit file, when it left one. */
  reason?: string;
  /** RUNNER_RECYCLED: the steps that were abandoned still running. */
  steps?: string[];
}

/** "exit code 3", "signal SIGKILL", with the supervisor's own reason when it did the killing. */
export function describeExit(exit: ExitInfo, killedBecause?: string): string {
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
  return killedBecause ? `${killedBecause}; killed (${how})` : how;
}

/** The ErrorInfo kept as `lastError` and sent in the `error` event. */
export function failureInfo(
  code: FailureCode,
  message: string,
  details: FailureDetails,
  at: number,
): ErrorInfo {
  return { code, message, at: new Date(at).toISOString(), details };
}

/** A one-line digest of stderr for messages (the full tail stays in details). */
export function lastLine(stderr: string[]): string {
  const last = stderr.at(-1);
  return last === undefined ? '' : `; last stderr: ${last.length > 200 ? `${last.slice(0, 200)}...` : last}`;
}
