// Log lines a file could not take (disk full, folder gone): counted, never thrown into the program. A
// logger must not be the thing that takes a station down when its disk fills.

/** Every tracker of this process, so one number answers "how many lines did this process lose?". */
const trackers = new Set<DropTracker>();

/**
 * Counts the lines one destination dropped and notices when writing works again, so the logger can say
 * once how many were lost (that line then reaches the file that missed them).
 */
export class DropTracker {
  /** Lines dropped since the process started. */
  total = 0;
  /** Lines dropped since the last successful write. */
  #sinceOk = 0;
  #lastError: string | undefined;
  #onRecover: ((dropped: number, lastError: string | undefined) => void) | undefined;

  constructor(readonly file: string) {
    trackers.add(this);
  }

  /** Called with the count of the run of drops that just ended, on the first write that succeeds. */
  onRecover(fn: (dropped: number, lastError: string | undefined) => void): void {
    this.#onRecover = fn;
  }

  drop(err?: unknown): void {
    this.total++;
    this.#sinceOk++;
    if (err !== undefined) this.note(err);
  }

  /** Remembers why writing failed, for the recovery line, without counting a line. */
  note(err: unknown): void {
    this.#lastError = err instanceof Error ? err.message : String(err);
  }

  ok(): void {
    if (this.#sinceOk === 0) return;
    const dropped = this.#sinceOk;
    this.#sinceOk = 0;
    // Deferred: the recovery line is itself a log write and must not re-enter the stream mid-write.
    queueMicrotask(() => {
      try {
        this.#onRecover?.(dropped, this.#lastError);
      } catch {
        // Reporting the loss is best effort; the count stays in `total` either way.
      }
    });
  }

  /** Stops counting into the process total (the destination was closed). */
  release(): void {
    trackers.delete(this);
  }
}

/** Log lines this process could not write to one of its files, since it started (each file counted). */
export function droppedLogLines(): number {
  let n = 0;
  for (const t of trackers) n += t.total;
  return n;
}
