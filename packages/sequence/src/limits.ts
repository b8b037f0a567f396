// Pass rules for measurements: low/high are inclusive, equals is strict equality, a declared measurement
// that was never recorded fails, an undeclared one is recorded but decides nothing.
import { describeValue } from './fields.ts';
import type { MeasurementSpec } from './manifest-schema.ts';
import type { Measurement } from './results.ts';
import type { ParamValue } from './sdk.ts';

/** A recorded value before judging. */
export interface RecordedValue {
  name: string;
  value: ParamValue;
}

// A non-finite reading has no JSON form; it is kept as text rather than turned into null on the way out.
const storable = (value: ParamValue): ParamValue =>
  typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;

/** Why a value misses its limits, or `undefined` when it passes. */
export function limitViolation(spec: MeasurementSpec, value: ParamValue): string | undefined {
  // The texts are built only for a value that misses: a passing one (nearly all) costs no string.
  const unit = () => (spec.unit ? ` ${spec.unit}` : '');
  const shown = () => `${spec.name} = ${describeValue(value)}${typeof value === 'number' ? unit() : ''}`;
  if (spec.equals !== undefined && value !== spec.equals) {
    return `${shown()}, expected ${describeValue(spec.equals)}`;
  }
  if (spec.low === undefined && spec.high === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value)) return `${shown()} is not a number`;
  if ((spec.low !== undefined && value < spec.low) || (spec.high !== undefined && value > spec.high)) {
    return `${shown()} is outside [${spec.low ?? '-inf'}, ${spec.high ?? '+inf'}]${unit()}`;
  }
  return undefined;
}

/**
 * Judges a step's recorded values against its declared measurements. Declared ones come first, in manifest
 * order; `complete` says whether the step returned normally (only then is a missing value a failure).
 */
export function judgeMeasurements(
  specs: readonly MeasurementSpec[],
  recorded: readonly RecordedValue[],
  complete: boolean,
): { results: Measurement[]; failures: string[] } {
  const results: Measurement[] = [];
  const failures: string[] = [];
  const byName = new Map(recorded.map((r) => [r.name, r]));
  for (const spec of specs) {
    const rec = byName.get(spec.name);
    if (!rec) {
      if (complete) failures.push(`measurement ${spec.name} was declared but not recorded`);
      continue;
    }
    const violation = limitViolation(spec, rec.value);
    if (violation) failures.push(violation);
    results.push({
      name: spec.name,
      value: storable(rec.value),
      unit: spec.unit ?? null,
      low: spec.low ?? null,
      high: spec.high ?? null,
      equals: spec.equals ?? null,
      pass: violation === undefined,
    });
  }
  const declared = new Set(specs.map((s) => s.name));
  for (const rec of recorded) {
    if (declared.has(rec.name)) continue;
    results.push({
      name: rec.name,
      value: storable(rec.value),
      unit: null,
      low: null,
      high: null,
      equals: null,
      pass: true,
    });
  }
  return { results, failures };
}
