// Schema validation: TypeBox's errors turned into issues that say what was expected and what was found,
// with a "did you mean" for unknown keys.
import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { Value, type ValueError, ValueErrorType } from '@sinclair/typebox/value';
import { describeValue, type IssueList, isSecretPointer } from './report.ts';

/** The closest known key to a typo, or undefined when nothing is close enough to be a plausible typo. */
export function closestKey(typo: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const key of known) {
    const d = editDistance(typo.toLowerCase(), key.toLowerCase());
    if (d < bestDistance) {
      best = key;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(typo.length / 3)) ? best : undefined;
}

/** Damerau (optimal string alignment) distance: a swapped pair of letters, as in `auto_strat`, costs one. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...Array<number>(b.length).fill(0)]);
  const row0 = rows[0]!;
  for (let j = 0; j <= b.length; j++) row0[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i]!;
    const prev = rows[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row[j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

function str(schema: TSchema, key: string): string | undefined {
  const v = (schema as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

/** What a schema wants, in words; schemas in schema.ts carry an `expected` text where the default is vague. */
function expectedOf(error: ValueError): string {
  const s = error.schema as Record<string, unknown>;
  const own = str(error.schema, 'expected');
  if (own) return own;
  switch (error.type) {
    case ValueErrorType.Boolean:
      return 'true or false';
    case ValueErrorType.Integer:
      return 'an integer';
    case ValueErrorType.Number:
      return 'a number';
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `a number >= ${s.minimum}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `a number <= ${s.maximum}`;
    case ValueErrorType.Literal:
      return JSON.stringify(s.const);
    case ValueErrorType.Object:
      return 'a mapping';
    case ValueErrorType.Array:
      return 'a list';
    case ValueErrorType.String:
      return 'a string';
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? 'a non-empty string' : `a string of at least ${s.minLength} characters`;
    case ValueErrorType.StringPattern:
      return `a string matching /${s.pattern}/`;
    default:
      return error.message.charAt(0).toLowerCase() + error.message.slice(1);
  }
}

function knownKeys(schema: TSchema): string[] {
  const props = (schema as { properties?: Record<string, unknown> }).properties;
  return props ? Object.keys(props) : [];
}

/**
 * Removes keys the schema knows whose value is empty (`ipc:` with everything below commented out): they
 * count as not set, so defaults apply and a required one is reported missing where it was left empty.
 * Entries of free-form mappings (hardware, parameters) keep their nulls: there an empty value is data.
 */
export function dropEmptyKnownKeys(schema: TSchema, value: unknown): unknown {
  const s = schema as { properties?: Record<string, TSchema>; items?: TSchema; patternProperties?: object };
  if (Array.isArray(value)) {
    return s.items ? value.map((v) => dropEmptyKnownKeys(s.items as TSchema, v)) : value;
  }
  if (value === null || typeof value !== 'object') return value;
  const entrySchema = s.patternProperties ? (Object.values(s.patternProperties)[0] as TSchema) : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const known = s.properties?.[key];
    if (known && v === null) continue;
    const child = known ?? entrySchema;
    out[key] = child ? dropEmptyKnownKeys(child, v) : v;
  }
  return out;
}

/** Checks `value` against `schema` and adds one issue per wrong field to `issues`. */
export function addSchemaIssues(schema: TSchema, value: unknown, issues: IssueList): void {
  // The compiled check first: a valid file (the usual case) costs a fraction of walking it for errors.
  if (compiled(schema).Check(value)) return;
  for (const error of Value.Errors(schema, value)) {
    const pointer = error.path;
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      const key = pointer
        .slice(pointer.lastIndexOf('/') + 1)
        .replace(/~1/g, '/')
        .replace(/~0/g, '~');
      const known = knownKeys(error.schema);
      const guess = closestKey(key, known);
      const hint = guess ? `did you mean ${guess}?` : `known keys: ${known.join(', ')}`;
      issues.add(pointer, `unknown key (${hint})`, { atKey: true });
      continue;
    }
    if (error.type === ValueErrorType.ObjectRequiredProperty) {
      // For this error TypeBox hands over the missing property's own schema.
      const expected = str(error.schema, 'expected') ?? describeType(error.schema);
      issues.add(pointer, `required key is missing (expected ${expected})`, { expected, found: 'nothing' });
      continue;
    }
    const origin = issues.origin(pointer);
    const expected = expectedOf(error);
    const found = describeValue(error.value, isSecretPointer(pointer, origin), origin);
    issues.add(pointer, `expected ${expected}, found ${found}`, { expected, found });
  }
}

const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * The schema compiled to a checker, once per process: a runner reads the whole station.yaml at start, and
 * walking a 100-batch file with TypeBox's interpreter costs several times the compiled check.
 */
export function compiled<T extends TSchema>(schema: T): TypeCheck<T> {
  let checker = checkers.get(schema);
  if (!checker) {
    checker = TypeCompiler.Compile(schema);
    checkers.set(schema, checker);
  }
  return checker as TypeCheck<T>;
}

function describeType(schema: TSchema): string {
  switch (schema.type) {
    case 'string':
      return 'a string';
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    default:
      return `a value of type ${String(schema.type)}`;
  }
}
