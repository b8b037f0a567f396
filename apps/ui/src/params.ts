// Parameter forms from a schema (sequence manifest parameters, manual command params): the text an
// operator typed becomes typed values, checked against type, range and allowed values before sending.
import { t } from './i18n.ts';
import type { ParamSpec } from './types.ts';

/** What the inputs hold: text for numbers and strings, booleans for checkboxes. */
export type FormValues = Record<string, string | boolean>;

export interface Checked {
  values: Record<string, unknown>;
  /** Problem per parameter name; empty when everything is valid. */
  errors: Record<string, string>;
}

/** The form's starting values: each parameter's default (or the batch's configured value). */
export function initialValues(
  schema: Record<string, ParamSpec>,
  configured: Record<string, unknown> = {},
): FormValues {
  const out: FormValues = {};
  for (const [name, spec] of Object.entries(schema)) {
    const v = name in configured ? configured[name] : spec.default;
    out[name] = spec.type === 'boolean' ? v === true : v === undefined || v === null ? '' : String(v);
  }
  return out;
}

/** A range as people read it: "0 to 30 V", "at least 0.01 A". */
export function describeRange(spec: ParamSpec): string {
  const unit = spec.unit ? ` ${spec.unit}` : '';
  if (spec.min !== undefined && spec.max !== undefined)
    return t('params.range', { min: spec.min, max: spec.max, unit });
  if (spec.min !== undefined) return t('params.atLeast', { min: spec.min, unit });
  if (spec.max !== undefined) return t('params.atMost', { max: spec.max, unit });
  return '';
}

function checkOne(spec: ParamSpec, raw: string | boolean): { value?: unknown; error?: string } {
  if (spec.type === 'boolean') return { value: raw === true };
  const text = String(raw).trim();
  if (text === '') {
    if (spec.required || spec.default === undefined) return { error: t('params.required') };
    return {};
  }
  if (spec.type === 'number' || spec.type === 'integer') {
    const n = Number(text);
    if (!Number.isFinite(n)) return { error: t('params.number') };
    if (spec.type === 'integer' && !Number.isInteger(n)) return { error: t('params.integer') };
    if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
      return { error: t('params.outOfRange', { range: describeRange(spec) }) };
    }
    if (spec.enum && !spec.enum.includes(n))
      return { error: t('params.oneOf', { values: spec.enum.join(', ') }) };
    return { value: n };
  }
  if (spec.enum && !spec.enum.includes(text))
    return { error: t('params.oneOf', { values: spec.enum.join(', ') }) };
  return { value: text };
}

/** Converts and validates every field; only fields with a value are sent. */
export function checkValues(schema: Record<string, ParamSpec>, form: FormValues): Checked {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const { value, error } = checkOne(spec, form[name] ?? '');
    if (error) errors[name] = error;
    else if (value !== undefined) values[name] = value;
  }
  return { values, errors };
}

/** Maps a 422's JSON-pointer field errors (`/parameters/x`, `/params/x`) onto parameter names. */
export function serverFieldErrors(byPath: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(byPath)) {
    const name = path.split('/').filter(Boolean).pop();
    if (name) out[name] = message;
  }
  return out;
}
