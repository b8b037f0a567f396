// Free space of the data folder, as every process that writes there judges it: statfs (one cheap system
// call) cached for a moment, compared with `storage.min_free_mb` (refuse new starts) and
// `storage.warn_free_mb` (say so before that). One reading for all, so the runner that refuses a start,
// the health check and the UI agree on the numbers.
import { statfsSync } from 'node:fs';
import type { StationConfig } from '@station/config';
import { type Clock, systemClock } from '@station/time';

const MB = 1024 * 1024;

/** `ok`: room enough; `warn`: below warn_free_mb; `low`: below min_free_mb, new starts are refused. */
export type StorageLevel = 'ok' | 'warn' | 'low';

/** One reading of the data folder's file system. */
export interface StorageState {
  path: string;
  level: StorageLevel;
  freeBytes: number;
  totalBytes: number;
  /** `storage.min_free_mb` in bytes. */
  minFreeBytes: number;
  /** `storage.warn_free_mb` in bytes. */
  warnFreeBytes: number;
  /** Why the level is not `ok`, in words for an operator; undefined when it is. */
  reason?: string;
}

export interface StorageGuardOptions {
  path: string;
  minFreeBytes: number;
  warnFreeBytes: number;
  /** A reading is reused for this long (ms). Default 500: often enough to notice freed space at once. */
  maxAgeMs?: number;
  /** Free and total bytes of `path`; default statfs. Tests hand in their own. */
  statfs?: (path: string) => { freeBytes: number; totalBytes: number };
  /** How old a reading is, on this clock (default: the real one). */
  clock?: Clock;
}

/** Sizes in words: `1.5 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MB) return `${(bytes / (1024 * MB)).toFixed(1)} GB`;
  return `${(bytes / MB).toFixed(1)} MB`;
}

function statfsBytes(path: string): { freeBytes: number; totalBytes: number } {
  const s = statfsSync(path);
  // bavail, not bfree: blocks reserved for root are not space the station may count on.
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/** Reads and judges the data folder's free space; cheap enough to ask before every start. */
export class StorageGuard {
  readonly #opts: Required<Omit<StorageGuardOptions, 'statfs' | 'clock'>>;
  readonly #statfs: NonNullable<StorageGuardOptions['statfs']>;
  readonly #clock: Clock;
  #last: { at: number; state: StorageState } | undefined;

  constructor(opts: StorageGuardOptions) {
    this.#opts = { maxAgeMs: 500, ...opts };
    this.#statfs = opts.statfs ?? statfsBytes;
    this.#clock = opts.clock ?? systemClock;
  }

  /** The guard of a station's data folder, with the thresholds of its `storage` section. */
  static forConfig(config: StationConfig, opts: Partial<StorageGuardOptions> = {}): StorageGuard {
    return new StorageGuard({
      path: config.paths.data_dir,
      minFreeBytes: config.storage.min_free_mb * MB,
      warnFreeBytes: config.storage.warn_free_mb * MB,
      ...opts,
    });
  }

  /** The current reading (at most `maxAgeMs` old). A failing statfs reads as `low`, with its error. */
  state(): StorageState {
    const now = this.#clock.now();
    if (this.#last && now - this.#last.at < this.#opts.maxAgeMs) return this.#last.state;
    const state = this.#read();
    this.#last = { at: now, state };
    return state;
  }

  #read(): StorageState {
    const { path, minFreeBytes, warnFreeBytes } = this.#opts;
    let space: { freeBytes: number; totalBytes: number } | Error;
    try {
      space = this.#statfs(path);
    } catch (err) {
      space = err instanceof Error ? err : new Error(String(err));
    }
    return judgeStorage(path, space, minFreeBytes, warnFreeBytes);
  }
}

/**
 * The level and the operator's words for a reading of `path` (or the error reading it): the one place
 * that decides what "low" and "almost full" mean, for the runner and the health check alike.
 */
export function judgeStorage(
  path: string,
  space: { freeBytes: number; totalBytes: number } | Error,
  minFreeBytes: number,
  warnFreeBytes: number,
): StorageState {
  const base = { path, minFreeBytes, warnFreeBytes };
  if (space instanceof Error) {
    return {
      ...base,
      level: 'low',
      freeBytes: 0,
      totalBytes: 0,
      reason: `cannot read free space of ${path}: ${space.message}`,
    };
  }
  const { freeBytes, totalBytes } = space;
  if (freeBytes < minFreeBytes) {
    return {
      ...base,
      freeBytes,
      totalBytes,
      level: 'low',
      reason: `only ${formatBytes(freeBytes)} free on ${path}, below the ${formatBytes(minFreeBytes)} needed to start a sequence (storage.min_free_mb)`,
    };
  }
  if (freeBytes < warnFreeBytes) {
    return {
      ...base,
      freeBytes,
      totalBytes,
      level: 'warn',
      reason: `disk almost full: ${formatBytes(freeBytes)} free on ${path}; starts are refused below ${formatBytes(minFreeBytes)} (storage.min_free_mb)`,
    };
  }
  return { ...base, freeBytes, totalBytes, level: 'ok' };
}
