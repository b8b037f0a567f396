import { describe, expect, test } from 'bun:test';
import { newExecutionId, toIso } from '../src/index.ts';

describe('toIso', () => {
  test.each([
    ['a Date', new Date(Date.UTC(2026, 10, 29, 7, 0, 0, 5)), '2026-11-29T07:00:00.005Z'],
    ['epoch milliseconds', Date.UTC(2026, 0, 2, 3, 4, 5, 600), '2026-01-02T03:04:05.600Z'],
    ['an ISO string with an offset', '2026-11-29T09:00:00+02:00', '2026-11-29T07:00:00.000Z'],
    ['a date only', '2026-11-29', '2026-11-29T00:00:00.000Z'],
    ['the first representable year', '0000-01-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z'],
  ])('normalises %s to fixed-width UTC text', (_name, input, expected) => {
    expect(toIso(input)).toBe(expected);
    expect(toIso(input).length).toBe(24);
  });

  test.each([
    ['garbage', 'not a time'],
    ['NaN', Number.NaN],
    ['a year past 9999 (would break text order)', Date.UTC(10000, 0, 1)],
    ['a negative year', Date.UTC(-1, 0, 1)],
  ])('refuses %s with INVALID_ARGUMENT naming the field', (_name, input) => {
    expect(() => toIso(input, 'startedAt')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('startedAt') }),
    );
  });
});

describe('newExecutionId', () => {
  test('ids sort by creation time as text and never repeat', () => {
    const t = Date.UTC(2026, 10, 29);
    const ids = [t, t + 1, t + 1000, t + 86_400_000].map((ms) => newExecutionId(ms));
    expect([...ids].sort()).toEqual(ids);
    const many = Array.from({ length: 1000 }, () => newExecutionId(t));
    expect(new Set(many).size).toBe(1000);
    for (const id of many) expect(id).toMatch(/^exec_[0-9a-f]{32}$/);
  });
});
