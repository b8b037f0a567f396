// JSON values, as steps return them and the store keeps them.
import { Type as T } from '@sinclair/typebox';

/** Any JSON value: what a step returns, an `equals` limit, a run parameter. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/**
 * Its schema accepts anything: whatever came out of `JSON.parse` is a JSON value by construction, and a
 * recursive schema would defeat Elysia's type inference of the routes that answer with it.
 */
export const JsonValue = T.Unsafe<JsonValue>(T.Unknown({ description: 'any JSON value' }));
