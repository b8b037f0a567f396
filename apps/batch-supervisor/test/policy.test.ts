// The pure parts: which status changes are legal, and the restart policy's backoff and give-up.
import { describe, expect, test } from 'bun:test';
import { ManualClock } from '@station/time';
import { backoffDelay, Restarter, RestartHistory } from '../src/restart-policy.ts';
import { canTransition, transitions } from '../src/states.ts';

describe('status machine', () => {
  test('exactly these transitions are legal', () => {
    expect(transitions()).toEqual([
      ['idle', 'starting'],
      ['idle', 'running'],
      ['starting', 'running'],
      ['starting', 'error'],
      ['starting', 'stopping'],
      ['running', 'stopping'],
      ['running', 'error'],
      ['stopping', 'idle'],
      ['stopping', 'error'],
      ['error', 'starting'],
      ['error', 'idle'],
    ]);
  });

  test.each([
    ['idle', 'stopping'],
    ['running', 'starting'],
    ['running', 'idle'],
    ['stopping', 'running'],
    ['error', 'running'],
  ] as const)('%s -> %s is illegal', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });
});

describe('restart policy', () => {
  const onFailure = {
    policy: 'on-failure' as const,
    max_restarts: 3,
    window: 60_000,
    backoff_base: 1_000,
    backoff_cap: 5_000,
  };

  test('backoff doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 1_000, 5_000))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
  });

  test('restarts with growing delays, then gives up once max_restarts fall within the window', () => {
    const h = new RestartHistory();
    const t0 = 1_000_000;
    expect(h.decide(onFailure, t0)).toEqual({ restart: true, attempt: 1, delayMs: 1_000 });
    expect(h.decide(onFailure, t0 + 2_000)).toEqual({ restart: true, attempt: 2, delayMs: 2_000 });
    expect(h.decide(onFailure, t0 + 5_000)).toEqual({ restart: true, attempt: 3, delayMs: 4_000 });
    expect(h.decide(onFailure, t0 + 10_000)).toEqual({
      restart: false,
      reason: 'gave up after 3 restart(s) within 60000 ms (max_restarts 3)',
    });
  });

  test('restarts older than the window no longer count', () => {
    const h = new RestartHistory();
    const t0 = 1_000_000;
    for (const dt of [0, 1_000, 2_000]) h.decide(onFailure, t0 + dt);
    // The first restart (t0) left the window at t0 + 60 s: one slot is free again, at the second delay.
    expect(h.decide(onFailure, t0 + 60_000)).toEqual({ restart: true, attempt: 3, delayMs: 4_000 });
    expect(h.count(onFailure, t0 + 200_000)).toBe(0);
  });

  test('"never" never restarts, and reset() gives a fresh budget', () => {
    const h = new RestartHistory();
    expect(h.decide({ ...onFailure, policy: 'never' }, 0)).toEqual({
      restart: false,
      reason: 'restart policy is "never"',
    });
    const one = { ...onFailure, max_restarts: 1 };
    expect(h.decide(one, 0).restart).toBe(true);
    expect(h.decide(one, 1).restart).toBe(false);
    h.reset();
    expect(h.decide(one, 2)).toEqual({ restart: true, attempt: 1, delayMs: 1_000 });
  });

  test('a restart fires exactly after its backoff, on the clock it was given: base, then 2 x base', () => {
    const clock = new ManualClock();
    const restarts: number[] = [];
    const restarter = new Restarter({ ...onFailure, max_restarts: 2 }, clock, () =>
      restarts.push(clock.now()),
    );
    const t0 = clock.now();
    expect(restarter.afterFailure(clock.now())).toEqual({ restart: true, attempt: 1, delayMs: 1_000 });
    clock.advance(999);
    expect(restarts).toEqual([]);
    clock.advance(1);
    expect(restarts).toEqual([t0 + 1_000]);
    expect(restarter.count).toBe(1);

    restarter.afterFailure(clock.now());
    clock.advance(1_999);
    expect(restarts).toHaveLength(1);
    clock.advance(1);
    expect(restarts).toEqual([t0 + 1_000, t0 + 3_000]);

    // The budget is spent: the decision is to give up, and nothing is armed for later.
    expect(restarter.afterFailure(clock.now()).restart).toBe(false);
    expect(clock.pending).toBe(0);
    clock.advance(3_600_000);
    expect(restarter.count).toBe(2);
  });

  test('cancel and reset disarm a pending restart', () => {
    const clock = new ManualClock();
    let restarted = 0;
    const restarter = new Restarter(onFailure, clock, () => restarted++);
    restarter.afterFailure(clock.now());
    restarter.cancel();
    expect(clock.pending).toBe(0);
    restarter.afterFailure(clock.now());
    restarter.reset();
    clock.advance(60_000);
    expect(restarted).toBe(0);
  });
});
