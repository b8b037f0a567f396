// The one error type of @station/db: a stable `code` for callers to branch on, the cause kept for logs.

/** What went wrong in the store, as a value callers can switch on. */
export type StoreErrorCode =
  | 'OPEN_FAILED'
  | 'MIGRATION_FAILED'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'NOT_RUNNING'
  | 'CLOSED'
  | 'BUSY'
  | 'QUERY_FAILED';

/** Every failure thrown by @station/db; `code` is stable, `message` carries the context. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Text of an unknown thrown value, for wrapping it into a message with context. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** SQLite's extended result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_FOREIGNKEY`) of an error or its cause. */
export function sqliteCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  }
  return undefined;
}
