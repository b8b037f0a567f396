// How hard the agent may press the Backend right now. After a 429, a 5xx or an unreachable Backend every
// delivery waits out one pause (the Retry-After, else a backoff that grows with the failure streak); the
// first request after it is a lone probe, and concurrency doubles only after a whole window of successes
// (1 -> 2 -> 4 ... up to `concurrency`), the way TCP's slow start treats a congested link.
import { type BackoffPolicy, backoffDelay } from './backoff.ts';

/** What a failed delivery tells the pacer. */
export interface Setback {
  /** The row's own retry delay (Retry-After or its backoff). */
  delayMs: number;
  /** Set when the Backend said how long to wait: taken as given. */
  retryAfterMs?: number;
  /** The Backend could not be reached at all (timeout, network error). */
  unreachable?: boolean;
}

/**
 * The agent's congestion window over the Backend; lives as long as the agent, across cycles.
 * @example if (pacer.open(now) && inFlight < pacer.window) send(row, pacer.epoch)
 */
export class Pacer {
  readonly #max: number;
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  // A fresh agent knows nothing about the Backend yet: it starts with one request, like after a pause.
  #window = 1;
  #successes = 0;
  #streak = 0;
  #pauseUntil = 0;
  // Only a pause taken because the Backend could not be reached ends when the probe sees it back; one it
  // asked for (Retry-After) or one after it answered 5xx is waited out.
  #unreachable = false;
  #epoch = 0;

  constructor(max: number, policy: BackoffPolicy, random: () => number) {
    this.#max = Math.max(1, max);
    this.#policy = policy;
    this.#random = random;
  }

  /** Deliveries allowed in flight at once. */
  get window(): number {
    return this.#window;
  }

  /** Epoch-ms until which nothing may be sent (0 when never paused). */
  get pausedUntil(): number {
    return this.#pauseUntil;
  }

  /** Changes with every setback; a send started before one cannot widen the window after it. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Whether a delivery may start at `now`. */
  open(now: number): boolean {
    return now >= this.#pauseUntil;
  }

  /** The Backend took (or judged) a delivery started in `epoch`. */
  succeeded(epoch: number): void {
    if (epoch !== this.#epoch) return;
    this.#streak = 0;
    this.#successes += 1;
    if (this.#successes >= this.#window) {
      this.#window = Math.min(this.#max, this.#window * 2);
      this.#successes = 0;
    }
  }

  /** A delivery failed in a way that says "not now": pause everything, then probe with one. Returns the pause. */
  failed(now: number, setback: Setback): number {
    this.#epoch += 1;
    this.#streak += 1;
    this.#window = 1;
    this.#successes = 0;
    const pause =
      setback.retryAfterMs ??
      Math.max(setback.delayMs, backoffDelay(this.#streak, this.#policy, this.#random));
    if (now + pause > this.#pauseUntil) {
      this.#pauseUntil = now + pause;
      this.#unreachable = setback.unreachable === true && setback.retryAfterMs === undefined;
    }
    return pause;
  }

  /**
   * The Backend is reachable again after being away: a pause taken because it could not be reached ends
   * now, so the backlog starts draining at once (SY-003), behind a single probe since the window stays
   * where the setback put it. Any other pause is kept.
   */
  resume(now: number): void {
    if (this.#unreachable) this.#pauseUntil = Math.min(this.#pauseUntil, now);
  }
}
