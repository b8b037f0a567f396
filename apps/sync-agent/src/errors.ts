// The sync agent's one error class. Delivery failures are not errors here (they are outcomes, kept on the
// queue row); this class is for what stops the agent itself from working.
import type { SyncErrorCode } from '@station/model';

/** Stable codes of SyncError (see @station/model's SYNC_ERROR_CODES). */
export type { SyncErrorCode };

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
