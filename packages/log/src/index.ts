// Logging for every station service: one pino root per process, JSON lines to <logs_dir>/<service>.log
// and to stdout (pretty when stdout is a terminal), secrets redacted before anything is written.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type DestinationStream, type Logger, type StreamEntry } from 'pino';
import type PinoPretty from 'pino-pretty';
import { CENSOR, redactLine } from './secrets.ts';

export type { Logger } from 'pino';
export { CENSOR, holdSecrets, redactJson, redactLine, redactText, scrubSecrets } from './secrets.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
  /** Service name: the `service` field of every line and the log file's name. */
  service: string;
  level?: LogLevel;
  /** Folder for `<service>.log`; omitted = no file. */
  logsDir?: string;
  /** Where human-facing lines go; defaults to stdout. `false` = nowhere. */
  stdout?: DestinationStream | false;
  /** Pretty-print the stdout stream; defaults to whether stdout is a terminal (or STATION_LOG_PRETTY=1). */
  pretty?: boolean;
}

/** Key names whose values are secrets wherever they appear (matched case-insensitively). */
const SECRET_KEYS = [
  'apiKey',
  'api_key',
  'apiKeys',
  'api_keys',
  'authorization',
  'x-api-key',
  'password',
  'secret',
  'token',
  'jwt_secret',
];

/**
 * pino's redaction works on paths; secrets can sit at any depth of a logged object, so we list each key
 * at the depths the services actually log (top, one and two levels down, and request headers).
 */
export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((k) => {
  const key = /^[a-zA-Z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const dot = key.startsWith('[') ? '' : '.';
  return [key, `*${dot}${key}`, `*.*${dot}${key}`, `headers${dot}${key}`, `*.headers${dot}${key}`];
});

/** Loaded only for a terminal: it costs a runner ~25 ms of start-up that a supervised process never needs. */
function prettyStream(destination: DestinationStream): DestinationStream {
  const pretty = require('pino-pretty') as typeof PinoPretty;
  return pretty({ colorize: true, destination, sync: true });
}

/** Creates the root logger of one service. Call once per process; use `.child()` below it. */
export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? 'info';
  // A stream's own level cannot be 'silent'; the root level already silences everything then.
  const streamLevel = level === 'silent' ? 'fatal' : level;
  const streams: StreamEntry[] = [];
  if (opts.logsDir) {
    mkdirSync(opts.logsDir, { recursive: true });
    // Synchronous writes: a line an operator needs must survive a crash right after it.
    streams.push({
      level: streamLevel,
      stream: pino.destination({ dest: join(opts.logsDir, `${opts.service}.log`), sync: true }),
    });
  }
  if (opts.stdout !== false) {
    const target = opts.stdout ?? pino.destination({ dest: 1, sync: true });
    // STATION_LOG_PRETTY=1: a launcher that shows our output on a terminal asks for readable lines.
    const usePretty =
      opts.pretty ??
      (opts.stdout === undefined &&
        (process.stdout.isTTY === true || process.env.STATION_LOG_PRETTY === '1'));
    streams.push({
      level: streamLevel,
      stream: usePretty ? prettyStream(target) : target,
    });
  }
  return pino(
    {
      level,
      base: { service: opts.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      // Keys catch secrets in known places; values held by the process catch them anywhere in the line.
      hooks: { streamWrite: redactLine },
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.multistream(streams, { dedupe: false }),
  );
}
