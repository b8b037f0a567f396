// Small schema builders the model is written with.
import { Type as T, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';

type Literals<L extends readonly string[]> = { -readonly [K in keyof L]: TLiteral<L[K]> };

/**
 * A union of string literals from a tuple of values, so the values (for SQL CHECKs, drizzle enums, tests)
 * and the schema come from one list. The mapped type restates what `map` does: TypeBox and Elysia infer a
 * union's static type only from a tuple of schemas, and `Array.prototype.map` cannot return a tuple type.
 */
export function literalUnion<const L extends readonly [string, ...string[]]>(
  values: L,
  options?: { description?: string },
): TUnion<Literals<L>> {
  return T.Union(
    values.map((v) => T.Literal(v)),
    options,
  ) as TUnion<Literals<L>>;
}

/** `s` or null. */
export const Nullable = <S extends TSchema>(s: S) => T.Union([s, T.Null()]);
