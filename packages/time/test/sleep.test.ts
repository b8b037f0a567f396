import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../src/manual.ts';
import { sleep } from '../src/sleep.ts';

describe('sleep', () => {
  test('resolves after the time, a negative time counting as none', async () => {
    await expect(sleep(5)).resolves.toBeUndefined();
    await expect(sleep(-100)).resolves.toBeUndefined();
  });

  test('rejects with the signal reason when aborted before or while sleeping', async () => {
    const before = new AbortController();
    before.abort(new Error('gone'));
    await expect(sleep(60_000, before.signal)).rejects.toThrow('gone');

    const during = new AbortController();
    const pending = sleep(60_000, during.signal);
    during.abort(new Error('stopped'));
    await expect(pending).rejects.toThrow('stopped');
  });

  test('a caller maps the abort to its own error', async () => {
    const ctl = new AbortController();
    ctl.abort('no error object');
    const mapped = new Error('ABORTED');
    await expect(sleep(60_000, ctl.signal, () => mapped)).rejects.toBe(mapped);
  });
});

describe('sleep on a ManualClock', () => {
  test('resolves when the clock passes the time, not before; an abort disarms it', async () => {
    const clock = new ManualClock();
    let woke = false;
    const pending = sleep(1_000, undefined, undefined, clock).then(() => {
      woke = true;
    });
    clock.advance(999);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(1);
    await pending;
    expect(woke).toBe(true);

    const ctl = new AbortController();
    const aborted = sleep(1_000, ctl.signal, undefined, clock);
    ctl.abort(new Error('stopped'));
    await expect(aborted).rejects.toThrow('stopped');
    expect(clock.pending).toBe(0);
  });
});
