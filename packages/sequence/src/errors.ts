// The one error type of @station/sequence, plus the located problem a package check reports.

/** Why a sequence operation failed; stable strings that reach the bus, the UI and the store. */
export type SequenceErrorCode =
  | 'INVALID_PACKAGE'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'HARDWARE_ERROR'
  | 'STEP_TIMEOUT'
  | 'PROMPT_TIMEOUT'
  | 'PROMPT_CLOSED'
  | 'STEP_FAILED'
  | 'ABORTED'
  | 'UNKNOWN_HARDWARE'
  | 'UNKNOWN_COMMAND'
  | 'INVALID_HARDWARE_CONFIG'
  | 'SINK_FAILED'
  /** A serial number the manifest's `dut` block refuses (missing, not taken, or not matching its pattern). */
  | 'BAD_SERIAL'
  /** An uploaded package archive that is not a gzipped tar of one `<name>/` folder of plain files. */
  | 'BAD_ARCHIVE'
  /** A package version already installed with other content. */
  | 'VERSION_TAKEN';

/** What kind of mistake a package check found; one code per rule so tests and tools can match on it. */
export type ProblemCode =
  | 'NOT_FOUND'
  | 'OUTSIDE_SEQUENCES_DIR'
  | 'MISSING_FILE'
  | 'YAML_SYNTAX'
  | 'SCHEMA'
  | 'NAME_MISMATCH'
  | 'DUPLICATE_STEP'
  | 'BAD_DEFAULT'
  | 'BAD_LIMITS'
  | 'BAD_TIMEOUT_FEED'
  | 'BAD_PATTERN'
  | 'TIMEOUT_REACHABLE'
  | 'IMPORT_FAILED'
  | 'RUNTIME_IMPORT'
  | 'STEP_NOT_EXPORTED'
  | 'EXPORT_NOT_LISTED'
  | 'UNKNOWN_DRIVER'
  | 'BAD_DRIVER'
  | 'MISSING_ASSET';

/** One problem in a sequence package. `file` is relative to the package folder; line/column are 1-based. */
export interface Problem {
  code: ProblemCode;
  file: string;
  line?: number;
  column?: number;
  /** Field path inside the manifest, such as `steps[2].timeout`. */
  path?: string;
  message: string;
}

/** Formats a problem as `file:line:column path: message`, the form editors can jump to. */
export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** Thrown (or returned as a step/sequence error) by everything in this package. */
export class SequenceError extends Error {
  override readonly name = 'SequenceError';
  readonly code: SequenceErrorCode;
  /** Machine-readable context: the problems of a package, the bad parameters, the known commands... */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: SequenceErrorCode,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }
}

/** True for a SequenceError, optionally of one code. */
export function isSequenceError(err: unknown, code?: SequenceErrorCode): err is SequenceError {
  return err instanceof SequenceError && (code === undefined || err.code === code);
}

/** The message of anything thrown; step code may throw strings or plain objects. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
