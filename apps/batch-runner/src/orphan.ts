// A runner outlives its supervisor (the next one adopts it), but not forever: the supervisor's heartbeat
// (`status`, about once a second) is the proof it is there, and a runner that has heard none for
// `supervisor.orphan_timeout` is an orphan. It then takes no new run, finishes the one in progress and
// stops. A supervisor that comes back before that takes it over again as if nothing happened.
import type { Clock } from '@station/time';

export interface OrphanWatchOptions {
  /** `supervisor.orphan_timeout` in ms. */
  timeoutMs: number;
  clock: Clock;
  /** The supervisor has been away for the timeout. */
  onOrphaned(awayMs: number): void;
  /** A supervisor asked again after `onOrphaned`. */
  onBack(): void;
}

export class OrphanWatch {
  readonly #opts: OrphanWatchOptions;
  #last: number;
  #orphaned = false;

  constructor(opts: OrphanWatchOptions) {
    this.#opts = opts;
    this.#last = opts.clock.now();
  }

  get orphaned(): boolean {
    return this.#orphaned;
  }

  /** The supervisor was heard from (its heartbeat arrived). */
  contact(): void {
    this.#last = this.#opts.clock.now();
    if (this.#orphaned) {
      this.#orphaned = false;
      this.#opts.onBack();
    }
  }

  /** Compares the silence with the timeout; call it periodically (`every`). */
  check(): void {
    const away = this.#opts.clock.now() - this.#last;
    if (!this.#orphaned && away >= this.#opts.timeoutMs) {
      this.#orphaned = true;
      this.#opts.onOrphaned(away);
    }
  }

  /** Checks every `everyMs` (default: a quarter of the timeout, at most a second); returns the stop. */
  every(everyMs = Math.max(10, Math.min(1_000, this.#opts.timeoutMs / 4))): () => void {
    const timer = setInterval(() => this.check(), everyMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }
}
