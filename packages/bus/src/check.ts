// Compiled TypeBox checks, one per schema: every request is checked twice (body at the worker, reply at
// the client), and the interpreted Value.Check of a large reply costs more than the hop through the broker.
import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** The compiled checker of `schema`, built on first use. */
export function checkerOf(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check;
}
