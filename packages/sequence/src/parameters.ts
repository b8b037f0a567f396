// Runtime parameters: request values and batch defaults checked against the manifest, then merged
// request > batch defaults > manifest defaults.
import { isReservedName } from '@station/bus/reserved';
import { SequenceError } from './errors.ts';
import { checkField, describeValue } from './fields.ts';
import type { Manifest } from './manifest-schema.ts';
import type { Params } from './sdk.ts';

/** One bad parameter, as listed in a BAD_REQUEST's `details.parameters`. */
export interface ParameterProblem {
  parameter: string;
  message: string;
  expected: string;
  found: string;
  /** Where the bad value came from. */
  source: 'request' | 'batch';
}

/**
 * Returns the parameters a run uses. Throws BAD_REQUEST (`details.parameters`: every bad one) for an
 * unknown name, a wrong type, a value outside min/max or enum, or a parameter with no value anywhere.
 * @example resolveParameters(manifest, { output_voltage: 5 }, { output_voltage: 3.3 }) // { output_voltage: 3.3, ... }
 */
export function resolveParameters(
  manifest: Pick<Manifest, 'parameters'>,
  batchDefaults: Record<string, unknown> = {},
  requestValues: Record<string, unknown> = {},
): Params {
  const problems: ParameterProblem[] = [];
  const known = Object.keys(manifest.parameters);
  const check = (values: Record<string, unknown>, source: ParameterProblem['source']) => {
    for (const [name, value] of Object.entries(values)) {
      if (isReservedName(name)) {
        problems.push({
          parameter: name,
          message: 'is a reserved name',
          expected: 'a parameter name of the manifest',
          found: describeValue(value),
          source,
        });
        continue;
      }
      const spec = Object.hasOwn(manifest.parameters, name) ? manifest.parameters[name] : undefined;
      if (!spec) {
        const expected = known.length > 0 ? `one of ${known.join(', ')}` : 'no parameters';
        problems.push({
          parameter: name,
          message: 'unknown parameter',
          expected,
          found: describeValue(value),
          source,
        });
        continue;
      }
      const bad = checkField(spec, value);
      if (bad) problems.push({ parameter: name, ...bad, source });
    }
  };
  if (typeof requestValues !== 'object' || requestValues === null || Array.isArray(requestValues)) {
    throw new SequenceError('BAD_REQUEST', 'parameters must be an object', {
      details: { parameters: [], found: describeValue(requestValues) },
    });
  }
  check(batchDefaults, 'batch');
  check(requestValues, 'request');

  const out: Params = {};
  for (const [name, spec] of Object.entries(manifest.parameters)) {
    // Own keys only: an inherited `constructor` or `toString` is never a value someone gave.
    const value = ownValue(requestValues, name) ?? ownValue(batchDefaults, name) ?? spec.default;
    if (value === undefined) {
      problems.push({
        parameter: name,
        message: 'is required (no default)',
        expected: spec.type,
        found: 'nothing',
        source: 'request',
      });
      continue;
    }
    out[name] = value as Params[string];
  }
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.parameter}: ${p.message}`).join('; ');
    throw new SequenceError('BAD_REQUEST', `invalid parameters: ${list}`, {
      details: { parameters: problems },
    });
  }
  return out;
}

function ownValue(values: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(values, name) ? values[name] : undefined;
}
