// Timing primitives shared by every station process and package.
export { type Backoff, backoffDelay } from './backoff.ts';
export { type Clock, systemClock } from './clock.ts';
export { DURATION_PATTERN, parseDuration } from './duration.ts';
export { ManualClock } from './manual.ts';
export { sleep } from './sleep.ts';
export { systemTimers, type Timer, type Timers } from './timers.ts';
