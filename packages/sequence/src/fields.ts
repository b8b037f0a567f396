// Checks one value against a simple field spec (type, bounds, enum). Shared by runtime parameters,
// command parameters, hardware options and the loader's check of parameter defaults.
import type { FieldSpec, ParamValue } from './sdk.ts';

/** Why a value does not fit its spec, phrased for an operator. */
export interface FieldMismatch {
  message: string;
  expected: string;
  found: string;
}

/** Short rendering of a value for messages (`"abc"`, `12`, `an object`). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}

function typeMatches(type: FieldSpec['type'], value: unknown): value is ParamValue {
  switch (type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

function range(spec: FieldSpec): string {
  const unit = spec.unit ? ` ${spec.unit}` : '';
  if (spec.min !== undefined && spec.max !== undefined) return `between ${spec.min} and ${spec.max}${unit}`;
  if (spec.min !== undefined) return `>= ${spec.min}${unit}`;
  return `<= ${spec.max}${unit}`;
}

/** `undefined` when `value` fits `spec`; otherwise what was expected and what was found. */
export function checkField(spec: FieldSpec, value: unknown): FieldMismatch | undefined {
  const found = describeValue(value);
  const article = spec.type === 'integer' ? 'an' : 'a';
  if (!typeMatches(spec.type, value)) {
    return { message: `expected ${article} ${spec.type}, found ${found}`, expected: spec.type, found };
  }
  if (typeof value === 'number' && (spec.min !== undefined || spec.max !== undefined)) {
    if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
      const expected = range(spec);
      return { message: `${found} is out of range: expected ${expected}`, expected, found };
    }
  }
  if (spec.enum && !spec.enum.includes(value)) {
    const expected = `one of ${spec.enum.map(describeValue).join(', ')}`;
    return { message: `${found} is not allowed: expected ${expected}`, expected, found };
  }
  return undefined;
}
