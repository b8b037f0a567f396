// The supervisor's typed errors. They cross the bus unchanged (`expose`), so the gateway can map each code
// to an HTTP status (HTTP_STATUS in @station/model).
import type { SupervisorErrorCode } from '@station/model';

/** Every code a supervisor request can fail with (see @station/model's SUPERVISOR_ERROR_CODES). */
export type { SupervisorErrorCode };

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
