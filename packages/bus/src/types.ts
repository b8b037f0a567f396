// The small logger surface the bus needs; pino's Logger satisfies it.

/** A structured logger (pino-compatible: object first, message second). */
export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
