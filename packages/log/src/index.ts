// Logging for every station service: one pino root per process, JSON lines to <logs_dir>/<service>.log
// (rotated), to the shared <logs_dir>/station.log and to stdout (pretty when stdout is a terminal),
// secrets redacted before anything is written. Writing a line never throws into the program.
import pino, { type DestinationStream, type Logger, type StreamEntry } from 'pino';
import type PinoPretty from 'pino-pretty';
import { guarded, openLogFiles } from './files.ts';
import { CENSOR, redactLine } from './secrets.ts';

export type { Logger } from 'pino';
export { droppedLogLines } from './drops.ts';
export { closeLogs, DEFAULT_KEEP_FILES, DEFAULT_MAX_FILE_BYTES, STATION_LOG } from './files.ts';
export { CENSOR, holdSecrets, redactJson, redactLine, redactText, scrubSecrets } from './secrets.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
  /** Service name: the `service` field of every line and the log file's name. */
  service: string;
  level?: LogLevel;
  /** Folder for `<service>.log` and `station.log`; omitted = no file. */
  logsDir?: string;
  /** Rotate a log file at this size (bytes); default 10 MB. */
  maxFileBytes?: number;
  /** Rotated files kept beside the current one; default 5. */
  keepFiles?: number;
  /** Also append to the station-wide `station.log`; default true (with `logsDir`). */
  stationLog?: boolean;
  /** Fields on every line besides `service` and `pid` (a runner's `batchId`). */
  fields?: Record<string, unknown>;
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
  const files = opts.logsDir
    ? openLogFiles({
        logsDir: opts.logsDir,
        service: opts.service,
        maxFileBytes: opts.maxFileBytes,
        keepFiles: opts.keepFiles,
        stationLog: opts.stationLog,
      })
    : [];
  for (const f of files) streams.push({ level: streamLevel, stream: f.stream });
  if (opts.stdout !== false) {
    const target = opts.stdout ?? pino.destination({ dest: 1, sync: true });
    // STATION_LOG_PRETTY=1: a launcher that shows our output on a terminal asks for readable lines.
    const usePretty =
      opts.pretty ??
      (opts.stdout === undefined &&
        (process.stdout.isTTY === true || process.env.STATION_LOG_PRETTY === '1'));
    streams.push({
      level: streamLevel,
      stream: guarded(usePretty ? prettyStream(target) : target),
    });
  }
  const logger = pino(
    {
      level,
      base: { ...opts.fields, service: opts.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      // Keys catch secrets in known places; values held by the process catch them anywhere in the line.
      hooks: { streamWrite: redactLine },
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.multistream(streams, { dedupe: false }),
  );
  // Said once when a file takes lines again, so the gap in it is explained where it is read.
  for (const f of files) {
    f.drops.onRecover((dropped, lastError) =>
      logger.warn(
        { droppedLines: dropped, file: f.file, lastError },
        `${dropped} log lines could not be written to ${f.file} and were dropped`,
      ),
    );
  }
  return logger;
}
