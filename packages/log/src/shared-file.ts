// `<logs_dir>/station.log`: one file that every process of the station appends to, so the runbook's
// `tail -100 station.log | grep -i error` sees the whole station. No rotation library handles several
// writers (each counts only its own bytes and renames under the others' feet), so this file is the one
// place the station rotates by hand:
// - every line is one write() on a descriptor opened with O_APPEND: the kernel places each write at the
//   end under the file's lock, so lines from different processes never interleave mid-line;
// - writes are synchronous: the last line before a crash is on disk (the per-service file is async);
// - the process that sees the file past `maxBytes` takes `station.log.lock` (O_EXCL), shifts
//   station.N.log up and renames station.log to station.1.log; the others notice the new inode within
//   `recheckMs` and reopen. A line written in between lands in station.1.log: late, never lost.
import { closeSync, fstatSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, systemClock } from '@station/time';
import type { DropTracker } from './drops.ts';
import { type ClosableDestination, rotatedName } from './rotating-file.ts';

export interface SharedFileOptions {
  dir: string;
  /** File name without `.log`. */
  name: string;
  maxBytes: number;
  /** Rotated files kept beside the current one. */
  keep: number;
  drops: DropTracker;
  /** How often a writer checks whether another process rotated the file (ms). Default 200. */
  recheckMs?: number;
  /** A lock older than this was left by a process that died mid-rotation (ms). Default 10 s. */
  staleLockMs?: number;
  /** Time for retries and stale locks (default: the real clock). */
  clock?: Clock;
}

/** The shared, multi-process destination. Never throws from `write`. */
export function sharedAppendFile(opts: SharedFileOptions): ClosableDestination {
  const { drops } = opts;
  const path = join(opts.dir, rotatedName(opts.name, 0));
  const lockPath = `${path}.lock`;
  const recheckMs = opts.recheckMs ?? 200;
  const staleLockMs = opts.staleLockMs ?? 10_000;
  const clock = opts.clock ?? systemClock;
  const now = () => clock.now();
  let fd: number | undefined;
  let inode = 0;
  let checkedAt = 0;
  // A write cut short by a full disk leaves half a line; the next line starts on a fresh one.
  let torn = false;
  let closed = false;

  const reopen = (): number => {
    if (fd !== undefined) closeQuietly(fd);
    fd = openSync(path, 'a');
    inode = fstatSync(fd).ino;
    checkedAt = now();
    return fd;
  };

  /** The descriptor of the current station.log, reopened when another process rotated it away. */
  const current = (): number => {
    if (fd === undefined) return reopen();
    if (now() - checkedAt >= recheckMs) {
      checkedAt = now();
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st || st.ino !== inode) return reopen();
    }
    return fd;
  };

  const takeLock = (): boolean => {
    try {
      closeSync(openSync(lockPath, 'wx'));
      return true;
    } catch {
      const st = statSync(lockPath, { throwIfNoEntry: false });
      if (st && now() - st.mtimeMs > staleLockMs) {
        try {
          unlinkSync(lockPath);
          closeSync(openSync(lockPath, 'wx'));
          return true;
        } catch {
          return false;
        }
      }
      return false;
    }
  };

  const rotate = (): void => {
    if (!takeLock()) return; // another process is rotating right now
    try {
      // Re-check under the lock: the file we saw full may already have been rotated by someone else.
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st || st.ino !== inode || st.size < opts.maxBytes) return;
      for (let i = Math.max(1, Math.floor(opts.keep)); i >= 1; i--) {
        const from = join(opts.dir, rotatedName(opts.name, i - 1));
        try {
          renameSync(from, join(opts.dir, rotatedName(opts.name, i)));
        } catch {
          // A gap in the numbering (fresh install) is fine.
        }
      }
    } finally {
      try {
        unlinkSync(lockPath);
      } catch {
        // Gone already: nothing to release.
      }
    }
    reopen();
  };

  return {
    write(line: string): void {
      if (closed) return;
      try {
        const target = current();
        const bytes = Buffer.from(torn ? `\n${line}` : line);
        const written = writeSync(target, bytes);
        if (written < bytes.length) {
          torn = true;
          drops.drop(new Error(`short write to ${path} (disk full?)`));
          return;
        }
        torn = false;
        drops.ok();
        if (fstatSync(target).size >= opts.maxBytes) rotate();
      } catch (err) {
        drops.drop(err);
      }
    },
    close(): Promise<void> {
      closed = true;
      drops.release();
      if (fd !== undefined) closeQuietly(fd);
      fd = undefined;
      return Promise.resolve();
    },
  };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed or the disk is gone: nothing more to do with it.
  }
}
