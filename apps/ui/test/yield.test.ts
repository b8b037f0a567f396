import { afterAll, expect, test } from 'bun:test';
import { startOfToday, yieldText } from '../src/yield.ts';

// A zone nine hours from UTC with no daylight saving, so local midnight and UTC midnight differ.
const savedTz = process.env.TZ;
process.env.TZ = 'Asia/Seoul';
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

const figures = { passed: 0, failed: 0, firstPassed: 0, runs: 0, cycleTime: { p50: null, p95: null } };

test("today is the screen's own day: local midnight, not UTC's", () => {
  // 02:30 in Seoul on 2 December is 17:30 UTC on 1 December.
  expect(startOfToday(new Date('2026-12-01T17:30:00.000Z')).toISOString()).toBe('2026-12-01T15:00:00.000Z');
});

test('the count and first-pass yield as the bar and the cards say them', () => {
  expect(yieldText(null)).toBe('…');
  expect(yieldText({ ...figures, unitsTested: 0, firstPassYield: null })).toBe('0 units');
  expect(yieldText({ ...figures, unitsTested: 1, firstPassYield: 1 })).toBe('1 unit · FPY 100.0 %');
  expect(yieldText({ ...figures, unitsTested: 12, firstPassYield: 11 / 12 })).toBe('12 units · FPY 91.7 %');
});
