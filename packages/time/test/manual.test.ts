import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../src/manual.ts';

describe('ManualClock', () => {
  test('stands still until advanced', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    clock.advance(-5); // time never runs backwards
    expect(clock.now()).toBe(1_250);
  });

  test('fires timers in time order, each at its own moment, and not before it is due', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.after(300, () => fired.push(`b@${clock.now()}`));
    clock.after(100, () => fired.push(`a@${clock.now()}`));
    clock.after(300, () => fired.push(`c@${clock.now()}`));
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['a@100']);
    clock.advance(1_000);
    expect(fired).toEqual(['a@100', 'b@300', 'c@300']);
    expect(clock.now()).toBe(1_100);
    expect(clock.pending).toBe(0);
  });

  test('a repeating timer fires once per period passed until cancelled', () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const timer = clock.every(100, () => at.push(clock.now()));
    clock.advance(350);
    expect(at).toEqual([100, 200, 300]);
    timer.cancel();
    timer.cancel();
    clock.advance(1_000);
    expect(at).toEqual([100, 200, 300]);
    expect(clock.pending).toBe(0);
  });

  test('a timer armed or cancelled by a callback is honoured within the same advance', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const late = clock.after(200, () => fired.push('late'));
    clock.after(100, () => {
      late.cancel();
      clock.after(50, () => fired.push(`chained@${clock.now()}`));
    });
    clock.advance(500);
    expect(fired).toEqual(['chained@150']);
  });
});
