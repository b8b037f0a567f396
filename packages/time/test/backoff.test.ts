import { describe, expect, test } from 'bun:test';
import { backoffDelay } from '../src/backoff.ts';

describe('backoffDelay', () => {
  test('without jitter: base times factor^step, capped', () => {
    const backoff = { baseMs: 1_000, capMs: 5_000 };
    expect([0, 1, 2, 3, 50_000].map((step) => backoffDelay(step, backoff))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
    expect([0, 1, 2].map((step) => backoffDelay(step, { ...backoff, factor: 3 }))).toEqual([
      1_000, 3_000, 5_000,
    ]);
  });

  test('without jitter the random source is never drawn from', () => {
    let draws = 0;
    backoffDelay(2, { baseMs: 100, capMs: 1_000 }, () => {
      draws++;
      return 0.5;
    });
    expect(draws).toBe(0);
  });

  test('full jitter: uniform over [base, ceiling], whole milliseconds, a bad random clamped', () => {
    const backoff = { baseMs: 1_000, capMs: 300_000, jitter: 'full' as const };
    expect([0, 0.5, 1, -3, 7].map((r) => backoffDelay(3, backoff, () => r))).toEqual([
      1_000, 4_500, 8_000, 1_000, 8_000,
    ]);
    expect(backoffDelay(5_000, backoff, () => 1)).toBe(300_000);
    // A cap below the base never draws below the base.
    expect(backoffDelay(3, { baseMs: 1_000, capMs: 10, jitter: 'full' }, () => 1)).toBe(1_000);
  });
});
