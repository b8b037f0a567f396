/** The one error class of @station/zmtp: every failure carries a stable literal `code`. */

/** Every failure mode a caller of this package can branch on. */
export type ZmtpErrorCode =
  | 'BAD_GREETING'
  | 'BAD_MECHANISM'
  | 'BAD_FRAME'
  | 'BAD_COMMAND'
  | 'INCOMPATIBLE_PEER'
  | 'MESSAGE_TOO_LARGE'
  | 'CLOSED'
  | 'TIMEOUT'
  | 'HOST_UNREACHABLE'
  | 'ADDRESS_IN_USE'
  | 'BAD_ENDPOINT'
  | 'STATE'
  | 'PEER_ERROR'
  | 'HEARTBEAT_TIMEOUT'
  | 'BAD_KEY'
  | 'AUTH_FAILED'
  | 'BAD_BOX'
  | 'BAD_NONCE';

/** Error raised by sockets, connections and the codec; `cause` keeps the lower-level error. */
export class ZmtpError extends Error {
  override readonly name = 'ZmtpError';
  readonly code: ZmtpErrorCode;

  constructor(code: ZmtpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Wraps any thrown value so callers always see a ZmtpError, adding context to the message. */
export function asZmtpError(error: unknown, fallback: ZmtpErrorCode, context: string): ZmtpError {
  if (error instanceof ZmtpError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ZmtpError(fallback, `${context}: ${detail}`, { cause: error });
}
