// The sync agent's one error class. Delivery failures are not errors here (they are outcomes, kept on the
// queue row); this class is for what stops the agent itself from working.

/** Stable codes of SyncError. */
export type SyncErrorCode =
  /** The agent was asked to do something after stop() began. */
  | 'STOPPED'
  /** A store query failed (locked past the busy timeout, disk full, schema missing). */
  | 'STORE_FAILED'
  /** The configuration cannot drive an agent (e.g. a concurrency below 1). */
  | 'BAD_OPTIONS';

/** Error raised by the sync agent, with a stable `code` and the underlying `cause` kept. */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  readonly code: SyncErrorCode;

  constructor(code: SyncErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A short, single-line description of anything thrown, for logs and `last_error`. */
export function describe(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
