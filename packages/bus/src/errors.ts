// Typed errors of the station bus: every failed request ends in one of these, never in silence.
import { redactJson, redactText } from '@station/log';
import type { BusErrorCode } from '@station/model';

/** Codes the bus itself produces; a remote handler may answer any other UPPER_SNAKE code of its own. */
export type { BusErrorCode };

export interface BusErrorOptions {
  details?: unknown;
  cause?: unknown;
}

/**
 * An error that crosses the bus: its `code`, `message` and `details` travel to the caller unchanged.
 * Handlers throw it (or any error with `expose = true` and a `code`) to answer with a typed error.
 * @example throw new BusError('ALREADY_RUNNING', 'batch_1 is already running', { details: { pid } })
 */
export class BusError extends Error {
  override readonly name = 'BusError';
  readonly code: BusErrorCode | (string & {});
  readonly details: unknown;
  /** Marks the error as safe to send to the caller (message and details hold no secrets). */
  readonly expose = true;

  constructor(code: BusErrorCode | (string & {}), message: string, opts: BusErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.details = opts.details;
  }
}

/** The wire form of an error reply. */
export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

const CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

/**
 * What a handler's throw becomes on the wire: exposed typed errors keep their code, message and details;
 * anything else is INTERNAL with a generic message (its stack is logged by the worker, never sent).
 */
export function toErrorBody(err: unknown): { body: ErrorBody; exposed: boolean } {
  if (err instanceof Error && (err as { expose?: unknown }).expose === true) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && CODE.test(code)) {
      const details = (err as { details?: unknown }).details;
      // The reply leaves this process: no secret it holds may ride along in the text.
      const body: ErrorBody = { code, message: redactText(err.message) };
      if (details !== undefined) body.details = redactJson(details);
      return { body, exposed: true };
    }
  }
  return {
    body: { code: 'INTERNAL', message: 'internal error in the service (see its log)' },
    exposed: false,
  };
}

/** Rebuilds the caller-side error from an error reply. */
export function fromErrorBody(body: unknown, service: string, method: string): BusError {
  if (body && typeof body === 'object') {
    const { code, message, details } = body as Partial<ErrorBody>;
    if (typeof code === 'string' && typeof message === 'string')
      return new BusError(code, message, { details });
  }
  return new BusError('BAD_REPLY', `${service} ${method}: malformed error reply`);
}
