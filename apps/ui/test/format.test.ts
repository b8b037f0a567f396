import { afterAll, expect, test } from 'bun:test';
import { clockTime, when } from '../src/format.ts';

// A zone nine hours from UTC with no daylight saving, so a UTC slice and local time always differ.
const savedTz = process.env.TZ;
process.env.TZ = 'Asia/Seoul';
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

test('log times are local time of day, on the same clock as the rest of the UI', () => {
  const stamp = '2026-12-02T06:15:30.123Z';
  const shown = clockTime(stamp);
  expect(shown).toBe(new Date(stamp).toLocaleTimeString(undefined, { hour12: false }));
  // `when` is what results and details show; the log line is its time-of-day part.
  expect(when(stamp).endsWith(shown)).toBe(true);
  expect(shown).toContain('15:15:30');
  expect(shown).not.toContain(stamp.slice(11, 19));
});

test('a missing or unreadable stamp shows a dash or itself, never "Invalid Date"', () => {
  expect([clockTime(undefined), clockTime(''), clockTime('garbage')]).toEqual(['–', '–', 'garbage']);
});
