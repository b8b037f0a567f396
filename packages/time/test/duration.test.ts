import { describe, expect, test } from 'bun:test';
import { DURATION_PATTERN, parseDuration } from '../src/duration.ts';

// The one grammar of station.yaml and sequence manifests; before it was shared, "10 s" was valid in a
// manifest and refused in station.yaml.
describe('parseDuration', () => {
  test.each([
    [250, 250],
    [0, 0],
    [1.5, 1.5],
    ['250ms', 250],
    ['30s', 30_000],
    ['10 s', 10_000],
    ['10  ms', 10],
    [' 2m ', 120_000],
    ['1.5s', 1_500],
    ['0.1s', 100],
    ['0.0004s', 0],
    ['1h', 3_600_000],
  ])('%p is %p ms', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  test.each([
    '',
    '10',
    '1d',
    '-1s',
    's',
    '1.s',
    '.5s',
    '10 seconds',
    '1e3ms',
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
    true,
  ])('%p is not a duration', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });

  test('the schema pattern accepts exactly the strings the parser reads', () => {
    const pattern = new RegExp(DURATION_PATTERN);
    const strings = ['250ms', '10 s', '1.5s', '1h', '', '10', '1d', '-1s', '1.s', '10 seconds'];
    expect(strings.filter((s) => pattern.test(s))).toEqual(
      strings.filter((s) => parseDuration(s) !== undefined),
    );
  });
});
