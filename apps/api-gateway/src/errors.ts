// The gateway's one error type and the mapping of every failure (bus, store, validation) onto an HTTP
// status and the single error body `{ error: { code, message, details? } }`.
import { BusError } from '@station/bus/errors';
import { StoreError } from '@station/db';
import { redactJson, redactText } from '@station/log';
import { type ApiErrorCode, type HttpErrorCode, httpStatusOf } from '@station/model';

/** Codes the gateway itself produces (see @station/model); bus and service codes pass through as they are. */
export type { ApiErrorCode };

/** The JSON every failed request answers with. */
export interface ErrorResponse {
  error: { code: string; message: string; details?: unknown };
}

/**
 * An error that reaches HTTP: a stable `code`, a `status`, a message safe to show, optional details.
 * @example throw new ApiError('NOT_FOUND', `no result ${id}`)
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The gateway's own code, or the one a service answered with (passed on as it is). */
  readonly code: HttpErrorCode | (string & {});
  /** From the code, through the one table (`HTTP_STATUS`); a service's unknown code is 500. */
  readonly status: number;
  readonly details: unknown;

  constructor(
    code: HttpErrorCode | RemoteCode,
    message: string,
    opts: { details?: unknown; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = typeof code === 'string' ? code : code.remote;
    this.status = httpStatusOf(this.code);
    this.details = opts.details;
  }

  /** The response body of this error, scrubbed of every secret the gateway holds. */
  toBody(): ErrorResponse {
    const error: ErrorResponse['error'] = { code: this.code, message: redactText(this.message) };
    if (this.details !== undefined) error.details = redactJson(this.details);
    return { error };
  }
}

/** A code a service answered with, passed on as it is (its status from `HTTP_STATUS`, else 500). */
interface RemoteCode {
  remote: string;
}

/** The HTTP status for a service's error code. */
export const statusOfCode = httpStatusOf;

/**
 * Turns a failed bus request into an ApiError, keeping the remote's code, message and details. A remote
 * BAD_REQUEST becomes 422 with `details.errors` (each field), as a failed body validation here does.
 */
export function fromBusError(err: BusError): ApiError {
  return new ApiError({ remote: err.code }, err.message, {
    details: err.code === 'BAD_REQUEST' ? withFieldErrors(err.details) : err.details,
    cause: err,
  });
}

/**
 * A runner reports bad runtime parameters as `details.parameters` ({ parameter, message, ... }); clients
 * get the same `details.errors` [{ path, message }] as for any other 422, with the original kept beside.
 */
function withFieldErrors(details: unknown): unknown {
  if (!details || typeof details !== 'object' || 'errors' in details) return details;
  const parameters = (details as { parameters?: unknown }).parameters;
  if (!Array.isArray(parameters)) return details;
  const errors: FieldError[] = parameters.map((p: { parameter?: unknown; message?: unknown }) => ({
    path: `/parameters/${String(p.parameter ?? '')}`,
    message: String(p.message ?? 'invalid'),
  }));
  return { ...details, errors };
}

/** Any thrown value as an ApiError; unknown errors become a generic INTERNAL (the cause is logged, not sent). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof BusError) return fromBusError(err);
  if (err instanceof StoreError && err.code === 'INVALID_ARGUMENT') {
    return new ApiError('BAD_REQUEST', err.message, { cause: err });
  }
  return new ApiError('INTERNAL', 'internal error in the gateway (see its log)', { cause: err });
}

/** One field that failed validation, as JSON pointer path and message. */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * The values a union of literals allows, when `schema` is one (`?format=` is json or csv): Elysia's own
 * summary of such a union names the members' types ("one of: 'string', 'string'"), not their values.
 */
function literalChoices(schema: unknown): string[] | undefined {
  const anyOf = (schema as { anyOf?: unknown } | null)?.anyOf;
  if (!Array.isArray(anyOf) || anyOf.length === 0) return undefined;
  const values = anyOf.map((m: { const?: unknown } | null) => m?.const);
  return values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
}

function fieldErrors(error: unknown): FieldError[] {
  const all = (error as { all?: unknown }).all;
  if (!Array.isArray(all)) return [];
  return all.map(
    (e: { path?: unknown; message?: unknown; summary?: unknown; schema?: unknown; value?: unknown }) => {
      const choices = literalChoices(e.schema);
      const found = JSON.stringify(e.value)?.slice(0, 80) ?? 'nothing';
      return {
        path: typeof e.path === 'string' && e.path !== '' ? e.path : '/',
        message: choices
          ? `must be one of: ${choices.join(', ')} (got ${found})`
          : String(e.summary ?? e.message ?? 'invalid'),
      };
    },
  );
}

/** 422 BAD_REQUEST listing every field that failed, as each route's validation answers. */
export function invalidFields(errors: FieldError[]): ApiError {
  const message =
    errors.length > 0 ? errors.map((e) => `${e.path}: ${e.message}`).join('; ') : 'request failed validation';
  return new ApiError('BAD_REQUEST', message, { details: { errors } });
}

/**
 * The ApiError for anything a request handler threw, given Elysia's error `code`: its validation errors
 * become 422 BAD_REQUEST with each field (the same body a service's BAD_REQUEST gets), an unparseable
 * body 400 MALFORMED_REQUEST, everything else goes through `toApiError`.
 */
export function fromRequestError(code: unknown, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (code === 'VALIDATION') return invalidFields(fieldErrors(error));
  if (code === 'PARSE') return new ApiError('MALFORMED_REQUEST', 'the request body could not be parsed');
  return toApiError(error);
}
