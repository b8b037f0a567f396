// The small logger surface the bus needs; pino's Logger satisfies it.

/** A structured logger (pino-compatible: object first, message second). */
export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that writes nothing: for callers that want no log lines (tests, one-shot tools). */
export const silentLogger: BusLogger = { debug() {}, info() {}, warn() {}, error() {} };
