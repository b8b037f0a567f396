// Timers behind the clock: what a module takes when it repeats or times out on its own, so a test can hand
// in a ManualClock and move time by hand instead of sleeping.
import type { Clock } from './clock.ts';

/** An armed timer; `cancel()` disarms it (again is a no-op). */
export interface Timer {
  cancel(): void;
}

/** A clock that can also call back later: once (`after`) or every period (`every`). */
export interface Timers extends Clock {
  after(ms: number, fn: () => void): Timer;
  every(ms: number, fn: () => void): Timer;
}

/** The real clock and the real timers. */
export const systemTimers: Timers = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
  every(ms, fn) {
    const t = setInterval(fn, Math.max(1, ms));
    return { cancel: () => clearInterval(t) };
  },
};
