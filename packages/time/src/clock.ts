// The clock every module takes as a collaborator, so a test can hand in one it moves by hand.

/** Wall-clock time in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
