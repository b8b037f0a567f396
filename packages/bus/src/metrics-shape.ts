// The answer of every service's `metrics` method: its prom-client registry as `getMetricsAsJSON()` gives
// it, checked here so the gateway can merge what arrives without trusting it.
import { type Static, Type as T } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';

const MetricSample = T.Object({
  /** null stands for NaN or an infinity, which JSON cannot carry. */
  value: T.Union([T.Number(), T.Null()]),
  /** A histogram's `le` is a number, or the string `+Inf`. */
  labels: T.Record(T.String(), T.Union([T.String(), T.Number()])),
  /** The series name when it differs from the family's (`_bucket`, `_sum`, `_count`). */
  metricName: T.Optional(T.String()),
});

const MetricFamily = T.Object({
  name: T.String({ pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$' }),
  help: T.String(),
  type: T.Union([T.Literal('counter'), T.Literal('gauge'), T.Literal('histogram'), T.Literal('summary')]),
  aggregator: T.Optional(T.String()),
  values: T.Array(MetricSample),
});

/** One process's metrics, every series labelled with the `service` that answers. */
export const MetricsReply = T.Array(MetricFamily);
export type MetricsReply = Static<typeof MetricsReply>;

/** What `metricsReply` reads: a prom-client Registry (its typings of the JSON do not match what it returns). */
export interface MetricsSource {
  getMetricsAsJSON(): Promise<readonly object[]>;
}

let check: TypeCheck<typeof MetricsReply> | undefined;
const finite = (v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/**
 * A registry's metrics as the `metrics` method answers them: non-finite values as null, then checked
 * against the schema (a metric that does not fit is a bug here, reported as such).
 * @example handlers: { metrics: () => metricsReply(registry) }
 */
export async function metricsReply(registry: MetricsSource): Promise<MetricsReply> {
  const families = (await registry.getMetricsAsJSON()).map((f) =>
    'values' in f && Array.isArray(f.values)
      ? {
          ...f,
          values: f.values.map((v: unknown) =>
            v && typeof v === 'object' && 'value' in v ? { ...v, value: finite(v.value) } : v,
          ),
        }
      : f,
  );
  check ??= TypeCompiler.Compile(MetricsReply);
  if (check.Check(families)) return families;
  const first = check.Errors(families).First();
  throw new Error(`metrics: registry answered outside the schema at ${first?.path}: ${first?.message}`);
}
