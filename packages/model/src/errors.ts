// Error codes, one literal union per boundary, and the HTTP status of every code that can reach HTTP as
// an exhaustive table: a code added to a union without a status does not compile.

/** Codes the bus itself produces (a request that did not reach, or came back broken from, a handler). */
export const BUS_ERROR_CODES = [
  'TIMEOUT',
  'SERVICE_UNAVAILABLE',
  'BAD_REQUEST',
  'UNKNOWN_METHOD',
  'BAD_REPLY',
  'INTERNAL',
  'CLOSED',
] as const;
export type BusErrorCode = (typeof BUS_ERROR_CODES)[number];

/** Codes a supervisor request (`batch.*`) can fail with. */
export const SUPERVISOR_ERROR_CODES = [
  /** No batch with that id in station.yaml. */
  'NOT_FOUND',
  /** `batch.start` on a batch whose runner is already up. */
  'ALREADY_RUNNING',
  /** `batch.stop` on a batch without a runner. */
  'NOT_RUNNING',
  /** The supervisor is stopping and accepts no new starts. */
  'SHUTTING_DOWN',
  /** The runner could not be spawned, exited before registering, or did not register in time. */
  'START_FAILED',
  /** The start was cancelled by a stop (or restart) that came while it was starting. */
  'START_CANCELLED',
  /** `batch.pin` to a version of the batch's package that is not installed. */
  'VERSION_NOT_INSTALLED',
] as const;
export type SupervisorErrorCode = (typeof SUPERVISOR_ERROR_CODES)[number];

/** Codes a runner request (`runner.<id>`) can fail with: its own, and the engine's that reach the caller. */
export const RUNNER_ERROR_CODES = [
  'NOT_FOUND',
  'NOT_RUNNING',
  'ALREADY_RUNNING',
  'SEQUENCE_RUNNING',
  'MANUAL_COMMAND_RUNNING',
  'SHUTTING_DOWN',
  'RUNNER_NOT_CLEAN',
  'RECOVERY_FAILED',
  'STORAGE_LOW',
  'STORE_ERROR',
  'INVALID_PACKAGE',
  'HARDWARE_ERROR',
  'UNKNOWN_HARDWARE',
  'UNKNOWN_COMMAND',
  'BAD_REQUEST',
  'BAD_SERIAL',
  'PROMPT_CLOSED',
] as const;
export type RunnerErrorCode = (typeof RUNNER_ERROR_CODES)[number];

/** Codes of what stops the sync agent itself (delivery failures are outcomes on the queue, not errors). */
export const SYNC_ERROR_CODES = [
  /** The agent was asked to do something after stop() began. */
  'STOPPED',
  /** The configuration cannot drive an agent (e.g. a concurrency below 1). */
  'BAD_OPTIONS',
] as const;
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number];

/** Codes the gateway itself answers with (its request checks, auth, its own reads). */
export const API_ERROR_CODES = [
  'BAD_REQUEST',
  'MALFORMED_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'FORBIDDEN_ORIGIN',
  'INVALID_NAME',
  /** An uploaded package archive that is not a gzipped tar of one plain `<name>/` folder. */
  'BAD_ARCHIVE',
  /** A package version already installed with other content. */
  'VERSION_TAKEN',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INTERNAL',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Every code an HTTP client can receive: the gateway's own and those of the services it calls. */
export type HttpErrorCode = ApiErrorCode | BusErrorCode | SupervisorErrorCode | RunnerErrorCode;

/** The HTTP status of each code. */
export const HTTP_STATUS = {
  // A body that fails its schema: every field is listed in details.errors.
  BAD_REQUEST: 422,
  MALFORMED_REQUEST: 400,
  INVALID_NAME: 400,
  BAD_ARCHIVE: 400,
  // A package version is installed once: other content under it is refused.
  VERSION_TAKEN: 409,
  // The gateway's own request checks: size, media type, where the request came from.
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  FORBIDDEN_ORIGIN: 403,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_RUNNING: 409,
  NOT_RUNNING: 409,
  SEQUENCE_RUNNING: 409,
  MANUAL_COMMAND_RUNNING: 409,
  // Answered, timed out or cancelled already: the first answer won.
  PROMPT_CLOSED: 409,
  // A stop or restart overtook the start: the client's request lost a race, it can retry.
  START_CANCELLED: 409,
  // The last run of the slot was cut off and its recovery failed: acknowledge it first.
  RECOVERY_FAILED: 409,
  UNKNOWN_HARDWARE: 422,
  UNKNOWN_COMMAND: 422,
  INVALID_PACKAGE: 422,
  // A pin names a version of the package the station does not hold: install it first.
  VERSION_NOT_INSTALLED: 422,
  BAD_SERIAL: 422,
  // The batch process could not be spawned or did not register: the station's fault, not the request's.
  START_FAILED: 502,
  HARDWARE_ERROR: 502,
  // A method the service does not know or a reply that breaks the contract: the services disagree on the
  // protocol version, which is the upstream's fault, not the caller's.
  UNKNOWN_METHOD: 502,
  BAD_REPLY: 502,
  SHUTTING_DOWN: 503,
  // The runner left a step running past its grace and is being replaced: retry in a moment.
  RUNNER_NOT_CLEAN: 503,
  // The data folder is below storage.min_free_mb: the station's condition, gone once space is freed.
  STORAGE_LOW: 503,
  SERVICE_UNAVAILABLE: 503,
  // The gateway closed its bus client: it is shutting down.
  CLOSED: 503,
  TIMEOUT: 504,
  STORE_ERROR: 500,
  INTERNAL: 500,
} as const satisfies Record<HttpErrorCode, number>;

/** Whether `code` is one an HTTP client can receive. */
export function isHttpErrorCode(code: string): code is HttpErrorCode {
  return Object.hasOwn(HTTP_STATUS, code);
}

/** The HTTP status for any code a service answered with; one this table does not know is 500. */
export function httpStatusOf(code: string): number {
  return isHttpErrorCode(code) ? HTTP_STATUS[code] : 500;
}
