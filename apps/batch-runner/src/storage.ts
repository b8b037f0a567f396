// What the runner does about its disk: refuse a start while the data folder is nearly full, and close an
// execution whose results could not be written as soon as the store takes writes again, so that no
// execution is left `running` by a full disk.
import { BusError } from '@station/bus';
import type { Store } from '@station/db';
import type { Logger } from '@station/log';
import type { LastResult, RunUnit, StationEvent, StepResult } from '@station/model';
import type { StorageState } from '@station/service/storage';

/** What an execution closed by the runner records: its status reason and error. */
export interface Interruption {
  reason: 'STORAGE_FULL' | 'STORE_ERROR';
  message: string;
}

/**
 * The answer to a start while free space is below `storage.min_free_mb` (HTTP 503 at the gateway), or
 * while the store itself reports full (`reason`).
 */
export function storageLowError(state: StorageState | undefined, reason?: string): BusError {
  return new BusError(
    'STORAGE_LOW',
    `${reason ?? state?.reason ?? 'not enough free space'}; new starts are refused until space is freed`,
    {
      details: {
        path: state?.path ?? null,
        freeBytes: state?.freeBytes ?? null,
        requiredBytes: state?.minFreeBytes ?? null,
      },
    },
  );
}

/** How a run that could not be recorded to the end is reported: events, card verdict, store reason. */
export interface UnrecordedEnd {
  code: 'STORAGE_FULL' | 'STORE_ERROR';
  /** The execution's `status_reason` and `error` in the store. */
  interruption: Interruption;
  events: StationEvent[];
  lastResult: LastResult;
}

/** The error, `sequence_complete` and verdict of a run aborted because its results could not be stored. */
export function unrecordedEnd(
  batchId: string,
  executionId: string,
  err: unknown,
  run: {
    step: string | null;
    duration: number;
    completedAt: string;
    steps: StepResult[];
    dut: RunUnit;
  },
): UnrecordedEnd {
  const code = isStorageFull(err) ? 'STORAGE_FULL' : 'STORE_ERROR';
  const cause = err instanceof Error ? err.message : String(err);
  const message = `results could not be stored (${cause}); the run was aborted, cleanup steps ran and the hardware is in its safe state`;
  const events: StationEvent[] = [
    { type: 'error', batch_id: batchId, data: { code, message, step: run.step } },
    {
      type: 'sequence_complete',
      batch_id: batchId,
      data: {
        executionId,
        overallPass: false,
        duration: run.duration,
        status: 'failed',
        statusReason: code,
        error: { code, message },
        steps: run.steps,
        verdict: 'ERROR',
        dut: run.dut,
      },
    },
  ];
  return {
    code,
    interruption: { reason: code, message: `${code}: ${message}` },
    events,
    lastResult: {
      executionId,
      status: 'failed',
      overallPass: false,
      completedAt: run.completedAt,
      duration: run.duration,
      errorCode: code,
      verdict: 'ERROR',
      dut: run.dut,
    },
  };
}

/** Whether a store failure means the disk (or the database file) is full. */
export function isStorageFull(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC') return true;
    if (e instanceof Error && /database or disk is full|no space left/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Closes executions that could not be recorded to the end, retrying every `retryMs` until the store takes
 * the write (space freed) or the runner stops; each attempt is a single short transaction.
 */
export class PendingCloses {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #retryMs: number;
  readonly #pending = new Map<string, Interruption>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(store: Store, log: Logger, retryMs = 1000) {
    this.#store = store;
    this.#log = log;
    this.#retryMs = retryMs;
  }

  /** Ids still waiting to be closed. */
  get pending(): string[] {
    return [...this.#pending.keys()];
  }

  /** Marks `executionId` failed with `interruption` now, or as soon as the store lets it. */
  close(executionId: string, interruption: Interruption): void {
    this.#pending.set(executionId, interruption);
    this.flush();
  }

  /** One attempt at every pending close; schedules the next while any remain. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [id, interruption] of this.#pending) {
      try {
        this.#store.markInterrupted(id, 'failed', interruption);
        this.#pending.delete(id);
        this.#log.warn({ executionId: id, ...interruption }, 'execution closed after a recording failure');
      } catch (err) {
        this.#log.debug({ executionId: id, err: String(err) }, 'execution not closed yet; retrying');
      }
    }
    if (this.#pending.size > 0) {
      this.#timer = setTimeout(() => this.flush(), this.#retryMs);
      this.#timer.unref?.();
    }
  }

  /** Stops retrying (the runner exits; the supervisor closes what is left). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
