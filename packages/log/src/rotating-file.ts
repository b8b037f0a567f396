// `<logs_dir>/<service>.log`: one process's own log, rotated by size by `rotating-file-stream` (the current
// file keeps its name, so `tail` in the runbook always reads the live one; older ones are `<name>.1.log`,
// `<name>.2.log`, ... up to `keep`). Wrapped so that a write that fails is dropped and counted, and a
// stream broken by a full disk is replaced by a fresh one a moment later instead of staying dead.
import { sep } from 'node:path';
import { type Clock, systemClock } from '@station/time';
import type { DestinationStream } from 'pino';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import type { DropTracker } from './drops.ts';

export interface RotatingFileOptions {
  dir: string;
  /** File name without `.log`. */
  name: string;
  /** Rotate once the current file reaches this size (bytes). */
  maxBytes: number;
  /** Rotated files kept beside the current one. */
  keep: number;
  drops: DropTracker;
  /** After a failure, lines are dropped for this long before a new stream is tried (ms). Default 1000. */
  retryMs?: number;
  /** Lines queued in memory beyond this (bytes) are dropped rather than held (a stuck disk). Default 1 MB. */
  maxQueuedBytes?: number;
  /** Time for retries and stale locks (default: the real clock). */
  clock?: Clock;
}

/** A closeable destination: `close()` resolves once queued lines are on disk (or could not be). */
export interface ClosableDestination extends DestinationStream {
  close(): Promise<void>;
}

/** File names of a rotated set: `name.log` is current, `name.1.log` the newest rotated one. */
export function rotatedName(name: string, index: number): string {
  return index > 0 ? `${name}.${index}.log` : `${name}.log`;
}

/** The rotating destination of one service's log file. Never throws from `write`. */
export function rotatingFile(opts: RotatingFileOptions): ClosableDestination {
  const { drops } = opts;
  const retryMs = opts.retryMs ?? 1000;
  const maxQueued = opts.maxQueuedBytes ?? 1024 * 1024;
  const clock = opts.clock ?? systemClock;
  const now = () => clock.now();
  let stream: RotatingFileStream | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  // A write that failed may have left half a line (the disk filled mid-write): start the next on its own.
  let torn = false;

  const open = (): RotatingFileStream => {
    // In classical mode the library calls the generator with the rotation index only.
    const s = createStream(
      (index: number | Date | null) => rotatedName(opts.name, typeof index === 'number' ? index : 0),
      {
        path: opts.dir.endsWith(sep) ? opts.dir : `${opts.dir}${sep}`,
        size: `${Math.max(1, Math.floor(opts.maxBytes))}B`,
        rotate: Math.max(1, Math.floor(opts.keep)),
      },
    );
    // A failed write destroys the stream (the line itself is counted by its write callback); forget it,
    // so the next line after `retryMs` opens a new one.
    s.on('error', (err) => {
      drops.note(err);
      if (stream === s) {
        stream = undefined;
        failedAt = now();
      }
    });
    return s;
  };

  return {
    write(line: string): void {
      try {
        if (!stream) {
          if (now() - failedAt < retryMs) {
            drops.drop();
            return;
          }
          stream = open();
        }
        if (stream.writableLength > maxQueued) {
          drops.drop(new Error('log file is not keeping up; line dropped'));
          return;
        }
        const text = torn ? `\n${line}` : line;
        torn = false;
        stream.write(text, (err) => {
          if (!err) return drops.ok();
          torn = true;
          drops.drop(err);
        });
      } catch (err) {
        drops.drop(err);
      }
    },
    close(): Promise<void> {
      const s = stream;
      stream = undefined;
      failedAt = Number.POSITIVE_INFINITY;
      drops.release();
      if (!s || s.destroyed) return Promise.resolve();
      return new Promise((resolve) => {
        s.end(() => resolve());
        s.once('error', () => resolve());
      });
    },
  };
}
