// The station's one `/metrics`: the gateway's registry merged with what every other process (broker,
// supervisor, sync agent, one runner per batch) answers to its `metrics` bus method, asked in parallel with
// a short deadline. A process that does not answer is `station_service_up{service} 0`, never a failed scrape.
import { runnerService, type ServiceName } from '@station/bus/contract';
import { AggregatorRegistry } from 'prom-client';
import type { RouteContext } from '../context.ts';

/** The services asked for their metrics: every process of the station but the gateway itself. */
export function metricServices(ctx: RouteContext): ServiceName[] {
  return ['broker', 'supervisor', 'sync', ...ctx.config.batches.map((b) => runnerService(b.id))];
}

/** Series of one process as prom-client's aggregator takes them. */
function forMerge(families: readonly { values: readonly { value: number | null }[] }[]): object[] {
  // Every series carries its own `service` label, so no two processes share one: summing (rather than each
  // family's cluster aggregator, some of which drop the series) just puts them side by side.
  return families.map((f) => ({
    ...f,
    aggregator: 'sum',
    values: f.values.map((v) => ({ ...v, value: v.value ?? Number.NaN })),
  }));
}

/** The whole station in the text exposition format; `refresh` (the disk reading) runs alongside the asks. */
export async function scrapeStation(ctx: RouteContext, refresh: () => Promise<void>): Promise<string> {
  const services = metricServices(ctx);
  const [answers] = await Promise.all([
    Promise.allSettled(services.map((s) => ctx.calls.call(s, 'metrics', {}, ctx.timeouts.metrics))),
    refresh(),
  ]);
  const parts: object[][] = [];
  answers.forEach((a, i) => {
    const service = services[i]!;
    ctx.metrics.serviceUp.set({ service }, a.status === 'fulfilled' ? 1 : 0);
    if (a.status === 'fulfilled') parts.push(forMerge(a.value));
    else ctx.log.debug({ service, err: String(a.reason) }, 'metrics: service did not answer');
  });
  const own = forMerge(await ctx.metrics.registry.getMetricsAsJSON());
  try {
    return await AggregatorRegistry.aggregate([own, ...parts]).metrics();
  } catch (err) {
    // Only a bug can get here (two services disagreeing on one family): the gateway's own still answer.
    ctx.log.error({ err: String(err) }, 'metrics: merging the services failed');
    return AggregatorRegistry.aggregate([own]).metrics();
  }
}
