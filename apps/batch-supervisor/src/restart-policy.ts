// The restart policy of one batch (station.yaml `batches[].restart`): whether a runner that crashed or
// failed to start is started again, after how long, and when to give up so a broken batch does not loop.
import type { BatchConfig } from '@station/config';
import { backoffDelay as backoff, type Timer, type Timers } from '@station/time';

/** `batches[].restart` after loading (durations in ms). */
export type RestartConfig = BatchConfig['restart'];

/** What to do after a failure. */
export type RestartDecision =
  | { restart: true; delayMs: number; attempt: number }
  | { restart: false; reason: string };

/**
 * Exponential backoff: `base * 2^(attempt-1)`, capped. The first restart waits `base`, so a runner that
 * dies at once costs a second of CPU per attempt, not a tight spawn loop.
 */
export function backoffDelay(attempt: number, base: number, cap: number): number {
  return backoff(Math.max(0, attempt - 1), { baseMs: base, capMs: cap });
}

/**
 * The restarts one batch has had in its sliding window. `decide` is called once per failure and, when it
 * answers restart, counts that restart; `reset` forgets them (an operator started or restarted by hand).
 */
export class RestartHistory {
  #restarts: number[] = [];

  /** Restarts still inside the window ending at `now`. */
  count(config: RestartConfig, now: number): number {
    this.#restarts = this.#restarts.filter((t) => now - t < config.window);
    return this.#restarts.length;
  }

  decide(config: RestartConfig, now: number): RestartDecision {
    if (config.policy === 'never') return { restart: false, reason: 'restart policy is "never"' };
    const recent = this.count(config, now);
    if (recent >= config.max_restarts) {
      return {
        restart: false,
        reason: `gave up after ${recent} restart(s) within ${config.window} ms (max_restarts ${config.max_restarts})`,
      };
    }
    this.#restarts.push(now);
    const attempt = recent + 1;
    return {
      restart: true,
      attempt,
      delayMs: backoffDelay(attempt, config.backoff_base, config.backoff_cap),
    };
  }

  reset(): void {
    this.#restarts = [];
  }
}

/**
 * A batch's restart history plus its pending restart: `afterFailure` decides and, when the answer is
 * restart, arms a timer on `clock` that calls `restart` after the backoff. `cancel` disarms it (a stop, a
 * manual start, shutdown).
 */
export class Restarter {
  readonly #history = new RestartHistory();
  #timer: Timer | undefined;
  /** Automatic restarts performed so far. */
  count = 0;

  constructor(
    private readonly config: RestartConfig,
    private readonly clock: Timers,
    private readonly restart: () => void,
  ) {}

  afterFailure(now: number): RestartDecision {
    this.cancel();
    const decision = this.#history.decide(this.config, now);
    if (decision.restart) {
      this.#timer = this.clock.after(decision.delayMs, () => {
        this.#timer = undefined;
        this.count++;
        this.restart();
      });
    }
    return decision;
  }

  cancel(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Forgets earlier failures (a person took over). */
  reset(): void {
    this.cancel();
    this.#history.reset();
  }
}
