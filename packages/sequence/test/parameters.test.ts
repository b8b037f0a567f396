import { describe, expect, test } from 'bun:test';
import { isSequenceError, SequenceError } from '../src/errors.ts';
import type { Manifest } from '../src/manifest-schema.ts';
import { resolveParameters } from '../src/parameters.ts';

const manifest: Pick<Manifest, 'parameters'> = {
  parameters: {
    output_voltage: { type: 'number', default: 5, min: 0, max: 30, unit: 'V' },
    cycles: { type: 'integer', default: 3, min: 1 },
    mode: { type: 'string', default: 'normal', enum: ['fast', 'normal'] },
    verbose: { type: 'boolean', default: false },
    serial: { type: 'string' },
  },
};

function badRequest(fn: () => unknown): unknown[] {
  try {
    fn();
  } catch (err) {
    if (isSequenceError(err, 'BAD_REQUEST')) return (err.details as { parameters: unknown[] }).parameters;
    throw err;
  }
  throw new Error('expected BAD_REQUEST');
}

describe('resolveParameters', () => {
  test('merges request over batch defaults over manifest defaults', () => {
    expect(
      resolveParameters(
        manifest,
        { output_voltage: 12, mode: 'fast', serial: 'B-1' },
        { output_voltage: 3.3 },
      ),
    ).toEqual({ output_voltage: 3.3, cycles: 3, mode: 'fast', verbose: false, serial: 'B-1' });
  });

  test('reserved names are refused from the request and the batch, and never read from a prototype', () => {
    const request = JSON.parse('{"__proto__":{"x":1},"constructor":1}') as Record<string, unknown>;
    expect(badRequest(() => resolveParameters(manifest, { prototype: 2, serial: 'x' }, request))).toEqual([
      {
        parameter: 'prototype',
        message: 'is a reserved name',
        expected: 'a parameter name of the manifest',
        found: '2',
        source: 'batch',
      },
      ...['__proto__', 'constructor'].map((parameter) => ({
        parameter,
        message: 'is a reserved name',
        expected: 'a parameter name of the manifest',
        found: parameter === '__proto__' ? 'an object' : '1',
        source: 'request',
      })),
    ]);
    // A manifest that declared one anyway (older packages): its value is the default, not Object.
    const declared = {
      parameters: { ...manifest.parameters, toString: { type: 'number' as const, default: 7 } },
    };
    expect(resolveParameters(declared, { serial: 'x' }, {})).toEqual({
      output_voltage: 5,
      cycles: 3,
      mode: 'normal',
      verbose: false,
      serial: 'x',
      toString: 7,
    });
  });

  test('a parameter with no default and no value is required', () => {
    expect(badRequest(() => resolveParameters(manifest, {}, {}))).toEqual([
      {
        parameter: 'serial',
        message: 'is required (no default)',
        expected: 'string',
        found: 'nothing',
        source: 'request',
      },
    ]);
  });

  test.each([
    [
      'wrong type',
      { output_voltage: '5' },
      { message: 'expected a number, found "5"', expected: 'number', found: '"5"' },
    ],
    [
      'not an integer',
      { cycles: 1.5 },
      { message: 'expected an integer, found 1.5', expected: 'integer', found: '1.5' },
    ],
    [
      'below min',
      { output_voltage: -1 },
      {
        message: '-1 is out of range: expected between 0 and 30 V',
        expected: 'between 0 and 30 V',
        found: '-1',
      },
    ],
    [
      'above max',
      { output_voltage: 30.5 },
      {
        message: '30.5 is out of range: expected between 0 and 30 V',
        expected: 'between 0 and 30 V',
        found: '30.5',
      },
    ],
    [
      'not in enum',
      { mode: 'slow' },
      {
        message: '"slow" is not allowed: expected one of "fast", "normal"',
        expected: 'one of "fast", "normal"',
        found: '"slow"',
      },
    ],
    [
      'boolean as string',
      { verbose: 'yes' },
      { message: 'expected a boolean, found "yes"', expected: 'boolean', found: '"yes"' },
    ],
    [
      'unknown name',
      { volts: 5 },
      {
        message: 'unknown parameter',
        expected: 'one of output_voltage, cycles, mode, verbose, serial',
        found: '5',
      },
    ],
  ])('%s is a BAD_REQUEST naming the parameter', (_label, request, problem) => {
    const parameter = Object.keys(request)[0];
    expect(badRequest(() => resolveParameters(manifest, { serial: 'x' }, request))).toEqual([
      { parameter, ...problem, source: 'request' },
    ]);
  });

  test('limits are inclusive', () => {
    expect(
      resolveParameters(manifest, { serial: 'x' }, { output_voltage: 30, cycles: 1 }).output_voltage,
    ).toBe(30);
    expect(resolveParameters(manifest, { serial: 'x' }, { output_voltage: 0 }).output_voltage).toBe(0);
  });

  test('every bad parameter is listed, batch defaults included, and the message names them', () => {
    let err: unknown;
    try {
      resolveParameters(manifest, { cycles: 0 }, { mode: 'slow', serial: 'x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SequenceError);
    expect((err as SequenceError).message).toBe(
      'invalid parameters: cycles: 0 is out of range: expected >= 1; mode: "slow" is not allowed: expected one of "fast", "normal"',
    );
    expect((err as SequenceError).details).toEqual({
      parameters: [
        {
          parameter: 'cycles',
          message: '0 is out of range: expected >= 1',
          expected: '>= 1',
          found: '0',
          source: 'batch',
        },
        {
          parameter: 'mode',
          message: '"slow" is not allowed: expected one of "fast", "normal"',
          expected: 'one of "fast", "normal"',
          found: '"slow"',
          source: 'request',
        },
      ],
    });
  });
});
