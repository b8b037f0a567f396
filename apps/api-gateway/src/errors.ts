// The gateway's one error type and the mapping of every failure (bus, store, validation) onto an HTTP
// status and the single error body `{ error: { code, message, details? } }`.
import { BusError } from '@station/bus/errors';
import { StoreError } from '@station/db';
import { redactJson, redactText } from '@station/log';

/** Codes the gateway itself produces; bus and service codes pass through as they are. */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'MALFORMED_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'FORBIDDEN_ORIGIN'
  | 'INVALID_NAME'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'SERVICE_UNAVAILABLE'
  | 'TIMEOUT'
  | 'BAD_GATEWAY'
  | 'INTERNAL';

/** The JSON every failed request answers with. */
export interface ErrorResponse {
  error: { code: string; message: string; details?: unknown };
}

/**
 * An error that reaches HTTP: a stable `code`, a `status`, a message safe to show, optional details.
 * @example throw new ApiError('NOT_FOUND', 404, `no result ${id}`)
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode | (string & {});
  readonly status: number;
  readonly details: unknown;

  constructor(
    code: ApiErrorCode | (string & {}),
    status: number,
    message: string,
    opts: { details?: unknown; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.status = status;
    this.details = opts.details;
  }

  /** The response body of this error, scrubbed of every secret the gateway holds. */
  toBody(): ErrorResponse {
    const error: ErrorResponse['error'] = { code: this.code, message: redactText(this.message) };
    if (this.details !== undefined) error.details = redactJson(this.details);
    return { error };
  }
}

/** HTTP status of each code a service can answer with; codes not listed are 500 (see `fromBusError`). */
const STATUS_OF_CODE: Record<string, number> = {
  BAD_REQUEST: 422,
  MALFORMED_REQUEST: 400,
  // The gateway's own request checks (requests/): size, media type, where the request came from.
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  FORBIDDEN_ORIGIN: 403,
  NOT_FOUND: 404,
  ALREADY_RUNNING: 409,
  NOT_RUNNING: 409,
  SEQUENCE_RUNNING: 409,
  MANUAL_BUSY: 409,
  MANUAL_COMMAND_RUNNING: 409,
  BUSY: 409,
  CONFLICT: 409,
  // The operator prompt was answered (first answer wins), timed out or cancelled.
  PROMPT_CLOSED: 409,
  // A stop or restart overtook the start: the client's request lost a race, it can retry.
  START_CANCELLED: 409,
  // The batch process could not be spawned or did not register: the station's fault, not the request's.
  START_FAILED: 502,
  SHUTTING_DOWN: 503,
  // The slot's recovery after a crash failed: runs wait for an operator's acknowledgement.
  RECOVERY_FAILED: 409,
  // The runner left a step running past its grace and is being replaced: retry in a moment.
  RUNNER_NOT_CLEAN: 503,
  // The data folder is below storage.min_free_mb: the station's condition, gone once space is freed.
  STORAGE_LOW: 503,
  UNKNOWN_HARDWARE: 422,
  UNKNOWN_COMMAND: 422,
  INVALID_PACKAGE: 422,
  // A serial number the sequence's manifest refuses (missing, not taken, or not matching its pattern).
  BAD_SERIAL: 422,
  HARDWARE_ERROR: 502,
  // A method the service does not know or a reply that breaks the contract: the services disagree on the
  // protocol version, which is the upstream's fault, not the caller's.
  UNKNOWN_METHOD: 502,
  BAD_REPLY: 502,
  SERVICE_UNAVAILABLE: 503,
  // The gateway closed its bus client: it is shutting down.
  CLOSED: 503,
  TIMEOUT: 504,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
};

/** The HTTP status for a service's error code. */
export function statusOfCode(code: string): number {
  return STATUS_OF_CODE[code] ?? 500;
}

/**
 * Turns a failed bus request into an ApiError, keeping the remote's code, message and details. A remote
 * BAD_REQUEST becomes 422 with `details.errors` (each field), as a failed body validation here does.
 */
export function fromBusError(err: BusError): ApiError {
  return new ApiError(err.code, statusOfCode(err.code), err.message, {
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
    return new ApiError('BAD_REQUEST', 422, err.message, { cause: err });
  }
  return new ApiError('INTERNAL', 500, 'internal error in the gateway (see its log)', { cause: err });
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
  return new ApiError('BAD_REQUEST', 422, message, { details: { errors } });
}

/**
 * The ApiError for anything a request handler threw, given Elysia's error `code`: its validation errors
 * become 422 BAD_REQUEST with each field (the same body a service's BAD_REQUEST gets), an unparseable
 * body 400 MALFORMED_REQUEST, everything else goes through `toApiError`.
 */
export function fromRequestError(code: unknown, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (code === 'VALIDATION') return invalidFields(fieldErrors(error));
  if (code === 'PARSE') return new ApiError('MALFORMED_REQUEST', 400, 'the request body could not be parsed');
  return toApiError(error);
}
