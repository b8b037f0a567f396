// The log files of one process: its own rotating `<service>.log` and its lines in the shared
// `station.log`, each with its own drop count. Kept apart from the logger's set-up so that rotation and
// redaction can change independently.
import { mkdirSync } from 'node:fs';
import type { DestinationStream } from 'pino';
import { DropTracker } from './drops.ts';
import { type ClosableDestination, rotatingFile } from './rotating-file.ts';
import { sharedAppendFile } from './shared-file.ts';

/** Default size at which a log file is rotated. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Default number of rotated files kept beside the current one. */
export const DEFAULT_KEEP_FILES = 5;
/** Name (without `.log`) of the file every process of the station appends to. */
export const STATION_LOG = 'station';

export interface LogFilesOptions {
  logsDir: string;
  service: string;
  maxFileBytes?: number;
  keepFiles?: number;
  /** Also append every line to `<logsDir>/station.log`. Default true. */
  stationLog?: boolean;
}

/** One file destination with the tracker of what it dropped. */
export interface LogFile {
  file: string;
  stream: ClosableDestination;
  drops: DropTracker;
}

/** Destinations still open in this process, closed by `closeLogs()` before it exits. */
const open = new Set<ClosableDestination>();

/** Opens the process's log files. A folder that cannot be made is not fatal: its lines are dropped. */
export function openLogFiles(opts: LogFilesOptions): LogFile[] {
  try {
    mkdirSync(opts.logsDir, { recursive: true });
  } catch {
    // A full or read-only disk: the destinations count every line they cannot write.
  }
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const keep = opts.keepFiles ?? DEFAULT_KEEP_FILES;
  const own = new DropTracker(`${opts.service}.log`);
  const files: LogFile[] = [
    {
      file: own.file,
      drops: own,
      stream: rotatingFile({ dir: opts.logsDir, name: opts.service, maxBytes, keep, drops: own }),
    },
  ];
  if (opts.stationLog !== false) {
    const shared = new DropTracker(`${STATION_LOG}.log`);
    files.push({
      file: shared.file,
      drops: shared,
      stream: sharedAppendFile({ dir: opts.logsDir, name: STATION_LOG, maxBytes, keep, drops: shared }),
    });
  }
  for (const f of files) open.add(f.stream);
  return files;
}

/**
 * A destination whose write never throws (a closed stdout pipe, say): what it cannot take is lost, as a
 * terminal line is anyway when nobody reads it.
 */
export function guarded(stream: DestinationStream): DestinationStream {
  const emitter = stream as DestinationStream & { on?: (event: string, fn: () => void) => void };
  emitter.on?.('error', () => undefined);
  return {
    write(line: string): void {
      try {
        stream.write(line);
      } catch {
        // See above: dropped.
      }
    },
  };
}

/** Writes out what the log files still queue and closes them (bounded, for a process about to exit). */
export async function closeLogs(timeoutMs = 1000): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.race([Promise.all(all.map((s) => s.close())), Bun.sleep(timeoutMs)]);
}
