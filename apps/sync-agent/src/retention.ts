// Result retention, owned by the sync agent because it is the process that learns what the Backend holds:
// results acknowledged more than `storage.keep_results_days` ago are deleted in small batches (each one
// short transaction, with a pause between, so a runner recording a step never waits long for the lock),
// then the freed pages are handed back to the file system a slice at a time. Unsynced results stay.
import type { Store } from '@station/db';
import type { Logger } from '@station/log';
import type { StorageState } from '@station/service/storage';
import { sleep } from '@station/time';
import { describe } from './errors.ts';
import { type Clock, systemClock } from './types.ts';

/** The store queries retention uses. */
export type RetentionStore = Pick<
  Store,
  'pruneResults' | 'incrementalVacuum' | 'vacuumMode' | 'enableIncrementalVacuum' | 'runningExecutions'
>;

export interface RetentionOptions {
  store: RetentionStore;
  /** `storage.keep_results_days` in ms. */
  keepResultsMs: number;
  logger: Logger;
  clock?: Clock;
  /** Executions deleted per transaction. Default 100. */
  batch?: number;
  /** Pages handed back per vacuum step. Default 1024 (4 MB). */
  vacuumPages?: number;
  /** Pause between two transactions, for other writers (ms). Default 20. */
  pauseMs?: number;
  /** Free space of the data folder; the one-time conversion of an old store needs room for a copy. */
  storage?: { state(): StorageState };
  /** Size of the store file (bytes), for that check. */
  storeBytes?: () => number;
}

/** What one retention pass did. */
export interface RetentionReport {
  deleted: number;
  pagesFreed: number;
  /** The store was converted to incremental vacuum during this pass. */
  converted: boolean;
}

/** One pass at a time; `run()` while a pass is under way joins it. */
export class Retention {
  readonly #opts: RetentionOptions;
  readonly #clock: Clock;
  #running: Promise<RetentionReport> | undefined;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: RetentionOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
  }

  /** Runs a pass now (or joins the one under way). Never rejects: a failure is logged and retried later. */
  run(): Promise<RetentionReport> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** A pass after `firstMs`, then every `everyMs`, until stop(). */
  start(everyMs = 3600_000, firstMs = 30_000): void {
    const tick = (ms: number) => {
      this.#timer = setTimeout(() => {
        void this.run().then(() => !this.#stopped && tick(everyMs));
      }, ms);
      this.#timer.unref?.();
    };
    tick(firstMs);
  }

  /** Ends the schedule; a pass under way stops after its current transaction. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  async #pass(): Promise<RetentionReport> {
    const { store, logger } = this.#opts;
    const report: RetentionReport = { deleted: 0, pagesFreed: 0, converted: false };
    const batch = this.#opts.batch ?? 100;
    const pause = this.#opts.pauseMs ?? 20;
    try {
      report.converted = this.#convert();
      const cutoff = this.#clock.now() - this.#opts.keepResultsMs;
      while (!this.#stopped) {
        const n = store.pruneResults(cutoff, batch);
        report.deleted += n;
        if (n < batch) break;
        await sleep(pause);
      }
      while (!this.#stopped) {
        const freed = store.incrementalVacuum(this.#opts.vacuumPages ?? 1024);
        report.pagesFreed += freed;
        if (freed === 0) break;
        await sleep(pause);
      }
    } catch (err) {
      logger.warn({ err: describe(err), ...report }, 'retention: pass failed; it is tried again later');
      return report;
    }
    if (report.deleted > 0 || report.pagesFreed > 0) {
      logger.info(report, 'retention: deleted synced results past storage.keep_results_days');
    }
    return report;
  }

  /**
   * Converts a store made before retention (no incremental vacuum) once: only while no sequence runs
   * (the full VACUUM holds the write lock) and with room for the copy it writes.
   */
  #convert(): boolean {
    const { store, logger, storage, storeBytes } = this.#opts;
    if (store.vacuumMode() === 'incremental') return false;
    if (store.runningExecutions().length > 0) {
      logger.info('retention: store conversion to incremental vacuum waits until no sequence runs');
      return false;
    }
    const state = storage?.state();
    const needed = (storeBytes?.() ?? 0) + (state?.minFreeBytes ?? 0);
    if (state && state.freeBytes < needed) {
      logger.warn(
        { freeBytes: state.freeBytes, neededBytes: needed },
        'retention: not enough free space to convert the store to incremental vacuum; deleted results leave free pages in the file',
      );
      return false;
    }
    const t0 = performance.now();
    store.enableIncrementalVacuum();
    logger.info(
      { ms: Math.round(performance.now() - t0) },
      'retention: store converted to incremental vacuum',
    );
    return true;
  }
}
