// The manifest rules a schema cannot say: unique step and measurement names, defaults inside their own
// limits, limits that can be met. They read the manifest as written and check whatever part of it is
// well-formed, so a manifest with a schema mistake still gets every other mistake reported in one pass.
import { isReservedName } from '@station/bus/reserved';
import { serialRegExp } from './dut.ts';
import type { ProblemCode } from './errors.ts';
import { checkField } from './fields.ts';
import type { FieldSpec, FieldType } from './sdk.ts';
import { timeoutFeedViolations } from './timeout-feeds.ts';

type Obj = Record<string, unknown>;

/** A rule broken at a JSON pointer into the manifest (`/steps/2/name`). */
export interface RuleViolation {
  code: ProblemCode;
  pointer: string;
  message: string;
  /** Points at the key rather than its value (a name that is wrong, not a value). */
  atKey?: boolean;
}

const FIELD_TYPES: readonly FieldType[] = ['number', 'integer', 'string', 'boolean'];

function isFieldType(v: unknown): v is FieldType {
  return FIELD_TYPES.some((t) => t === v);
}

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function isScalar(v: unknown): v is number | string | boolean {
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

function segment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The field spec of a parameter or hardware option, from the parts of it that are well-typed; undefined
 * when not even its `type` is, since then no default can be judged.
 */
function fieldSpec(raw: Obj): FieldSpec | undefined {
  if (!isFieldType(raw.type)) return undefined;
  const spec: FieldSpec = { type: raw.type };
  const min = num(raw.min);
  const max = num(raw.max);
  if (min !== undefined) spec.min = min;
  if (max !== undefined) spec.max = max;
  if (typeof raw.unit === 'string') spec.unit = raw.unit;
  if (Array.isArray(raw.enum) && raw.enum.length > 0 && raw.enum.every(isScalar)) spec.enum = raw.enum;
  return spec;
}

function stepRules(steps: unknown, out: RuleViolation[]): void {
  if (!Array.isArray(steps)) return;
  const firstIndex = new Map<string, number>();
  steps.forEach((raw, i) => {
    const step = obj(raw);
    if (!step) return;
    if (typeof step.name === 'string') {
      const first = firstIndex.get(step.name);
      if (first === undefined) firstIndex.set(step.name, i);
      else
        out.push({
          code: 'DUPLICATE_STEP',
          pointer: `/steps/${i}/name`,
          message: `duplicate step name "${step.name}" (first at steps[${first}])`,
        });
    }
    if (!Array.isArray(step.measurements)) return;
    const names = new Set<string>();
    step.measurements.forEach((rawMeas, j) => {
      const meas = obj(rawMeas);
      if (!meas) return;
      const at = `/steps/${i}/measurements/${j}`;
      if (typeof meas.name === 'string') {
        if (names.has(meas.name))
          out.push({
            code: 'BAD_LIMITS',
            pointer: `${at}/name`,
            message: `duplicate measurement "${meas.name}"`,
          });
        names.add(meas.name);
      }
      const low = num(meas.low);
      const high = num(meas.high);
      if (low !== undefined && high !== undefined && low > high) {
        out.push({
          code: 'BAD_LIMITS',
          pointer: `${at}/low`,
          message: `low limit ${low} is above high limit ${high}`,
        });
      }
      if (meas.equals !== undefined && (meas.low !== undefined || meas.high !== undefined)) {
        out.push({
          code: 'BAD_LIMITS',
          pointer: `${at}/equals`,
          message: 'give either equals or low/high, not both',
        });
      }
    });
  });
}

function defaultRule(raw: Obj, at: string, out: RuleViolation[]): void {
  const spec = fieldSpec(raw);
  if (!spec || raw.default === undefined) return;
  // With min above max no value fits; that is reported once, at min, not again at the default.
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) return;
  const mismatch = checkField(spec, raw.default);
  if (mismatch)
    out.push({ code: 'BAD_DEFAULT', pointer: `${at}/default`, message: `default ${mismatch.message}` });
}

function parameterRules(parameters: unknown, out: RuleViolation[]): void {
  for (const [name, value] of Object.entries(obj(parameters) ?? {})) {
    const p = obj(value);
    if (!p) continue;
    const at = `/parameters/${segment(name)}`;
    if (isReservedName(name)) {
      const message = `"${name}" is a reserved name; call the parameter something else`;
      out.push({ code: 'SCHEMA', pointer: at, message, atKey: true });
    }
    const min = num(p.min);
    const max = num(p.max);
    if (min !== undefined && max !== undefined && min > max) {
      out.push({ code: 'BAD_LIMITS', pointer: `${at}/min`, message: `min ${min} is above max ${max}` });
    }
    defaultRule(p, at, out);
  }
}

function hardwareRules(hardware: unknown, out: RuleViolation[]): void {
  for (const [name, value] of Object.entries(obj(hardware) ?? {})) {
    for (const [opt, spec] of Object.entries(obj(obj(value)?.options) ?? {})) {
      const o = obj(spec);
      if (o) defaultRule(o, `/hardware/${segment(name)}/options/${segment(opt)}`, out);
    }
  }
}

function dutRules(dut: unknown, out: RuleViolation[]): void {
  const d = obj(dut);
  if (!d || typeof d.serial_pattern !== 'string') return;
  const at = '/dut/serial_pattern';
  try {
    serialRegExp(d.serial_pattern);
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).replace(
      /^Invalid regular expression: /,
      '',
    );
    out.push({ code: 'BAD_PATTERN', pointer: at, message: `not a valid regular expression: ${why}` });
    return;
  }
  if (d.serial === 'none') {
    out.push({
      code: 'BAD_PATTERN',
      pointer: at,
      message: 'a serial pattern with serial: none can never apply; remove one of them',
    });
  }
}

/** Every rule the manifest as written (`raw`, schema-valid or not) breaks, in no particular order. */
export function manifestRuleViolations(raw: unknown): RuleViolation[] {
  const m = obj(raw);
  if (!m) return [];
  const out: RuleViolation[] = [];
  stepRules(m.steps, out);
  parameterRules(m.parameters, out);
  hardwareRules(m.hardware, out);
  dutRules(m.dut, out);
  out.push(...timeoutFeedViolations(m));
  return out;
}
