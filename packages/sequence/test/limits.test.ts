import { expect, test } from 'bun:test';
import { judgeMeasurements, limitViolation } from '../src/limits.ts';
import type { MeasurementSpec } from '../src/manifest-schema.ts';
import type { ParamValue } from '../src/sdk.ts';

const V: MeasurementSpec = { name: 'v', low: 4.9, high: 5.1, unit: 'V' };

test.each<[string, MeasurementSpec, ParamValue, string | undefined]>([
  ['low limit is inclusive', V, 4.9, undefined],
  ['high limit is inclusive', V, 5.1, undefined],
  ['just below low', V, 4.8999, 'v = 4.8999 V is outside [4.9, 5.1] V'],
  ['just above high', V, 5.1001, 'v = 5.1001 V is outside [4.9, 5.1] V'],
  ['NaN never passes', V, Number.NaN, 'v = NaN V is not a number'],
  ['a string against numeric limits', V, '5', 'v = "5" is not a number'],
  ['only a low limit', { name: 'i', low: 0 }, 1e9, undefined],
  [
    'only a high limit',
    { name: 'r', high: 0.01, unit: 'Vpp' },
    0.02,
    'r = 0.02 Vpp is outside [-inf, 0.01] Vpp',
  ],
  ['equals is strict', { name: 'mode', equals: 5 }, '5', 'mode = "5", expected 5'],
  ['equals on booleans', { name: 'ok', equals: true }, true, undefined],
  ['no limits: recorded, always passes', { name: 'note' }, 'anything', undefined],
])('%s', (_label, spec, value, violation) => {
  expect(limitViolation(spec, value)).toBe(violation);
});

test('judgeMeasurements: declared first in manifest order, undeclared after, missing ones fail', () => {
  const recorded = [
    { name: 'extra', value: 1 },
    { name: 'v', value: 5 },
  ];
  expect(judgeMeasurements([{ name: 'i', low: 0 }, V], recorded, true)).toEqual({
    results: [
      { name: 'v', value: 5, unit: 'V', low: 4.9, high: 5.1, equals: null, pass: true },
      { name: 'extra', value: 1, unit: null, low: null, high: null, equals: null, pass: true },
    ],
    failures: ['measurement i was declared but not recorded'],
  });
  // A step that threw is failed already; a measurement it never reached is not reported twice.
  expect(judgeMeasurements([{ name: 'i', low: 0 }], [], false)).toEqual({ results: [], failures: [] });
});
