// A clock that only moves when a test says so, with timers that fire as it passes them.
import type { Timer, Timers } from './timers.ts';

interface Armed {
  at: number;
  /** Repeat period; undefined for a one-shot timer. */
  period: number | undefined;
  fn: () => void;
  seq: number;
}

/**
 * Time for tests: `now()` stands still until `advance(ms)`, which fires every timer due on the way, in
 * time order (ties in the order they were armed), each at its own moment (`now()` inside a callback is its
 * due time). A repeating timer fires once per period passed.
 * @example const clock = new ManualClock(); clock.after(1000, done); clock.advance(1000) // done() ran
 */
export class ManualClock implements Timers {
  #now: number;
  #seq = 0;
  readonly #armed = new Set<Armed>();

  constructor(start = Date.parse('2026-11-29T08:00:00.000Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  after(ms: number, fn: () => void): Timer {
    return this.#arm({ at: this.#now + Math.max(0, ms), period: undefined, fn, seq: this.#seq++ });
  }

  every(ms: number, fn: () => void): Timer {
    const period = Math.max(1, ms);
    return this.#arm({ at: this.#now + period, period, fn, seq: this.#seq++ });
  }

  /** Timers armed and not yet fired or cancelled. */
  get pending(): number {
    return this.#armed.size;
  }

  /** Moves time forward by `ms`, firing what falls due. */
  advance(ms: number): void {
    const target = this.#now + Math.max(0, ms);
    for (;;) {
      let next: Armed | undefined;
      for (const t of this.#armed) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.#now = next.at;
      if (next.period === undefined) this.#armed.delete(next);
      else {
        next.at += next.period;
        next.seq = this.#seq++;
      }
      next.fn();
    }
    this.#now = target;
  }

  #arm(t: Armed): Timer {
    this.#armed.add(t);
    return { cancel: () => this.#armed.delete(t) };
  }
}
