// The supervisor's typed errors. They cross the bus unchanged (`expose`), so the gateway can map each code
// to an HTTP status: NOT_FOUND 404, ALREADY_RUNNING/NOT_RUNNING 409, the rest 5xx.

/** Every code a supervisor request can fail with. */
export type SupervisorErrorCode =
  /** No batch with that id in station.yaml. */
  | 'NOT_FOUND'
  /** `batch.start` on a batch whose runner is already up. */
  | 'ALREADY_RUNNING'
  /** `batch.stop` on a batch without a runner. */
  | 'NOT_RUNNING'
  /** The supervisor is stopping and accepts no new starts. */
  | 'SHUTTING_DOWN'
  /** The runner could not be spawned, exited before registering, or did not register in time. */
  | 'START_FAILED'
  /** The start was cancelled by a stop (or restart) that came while it was starting. */
  | 'START_CANCELLED';

export interface SupervisorErrorOptions {
  details?: unknown;
  cause?: unknown;
}

/**
 * An error of the batch supervisor; `expose` lets the bus worker send code, message and details as they are.
 * @example throw new SupervisorError('ALREADY_RUNNING', 'batch_1 is already running', { details: { pid } })
 */
export class SupervisorError extends Error {
  override readonly name = 'SupervisorError';
  readonly code: SupervisorErrorCode;
  readonly details: unknown;
  /** Messages and details hold batch ids, pids, exit codes and runner stderr: safe to show an operator. */
  readonly expose = true;

  constructor(code: SupervisorErrorCode, message: string, opts: SupervisorErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.details = opts.details;
  }
}
