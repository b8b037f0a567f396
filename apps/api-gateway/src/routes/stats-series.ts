// Yield over time and the cycle time histogram (GET /api/stats/series), for the station or one slot: what
// the UI's yield screen draws, read straight from the shared store as GET /api/stats is.
import { DEFAULT_SHIFTS, YIELD_BUCKETS, type YieldBucketKind } from '@station/model';
import { Elysia, t } from 'elysia';
import type { RouteContext } from '../context.ts';
import { YieldSeriesSchema } from '../schemas.ts';
import { badField, responses, statsRange } from './units.ts';

const isBucket = (v: string): v is YieldBucketKind => (YIELD_BUCKETS as readonly string[]).includes(v);

/** A whole number query parameter in [min, max], or a 422 naming it. */
function intParam(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^-?\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw badField(
      `/${name}`,
      `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return n;
}

/** `shifts=6,14,22`: local start hours, ascending. */
function shiftsParam(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const hours = value.split(',').map((h) => (/^\d{1,2}$/.test(h) ? Number(h) : Number.NaN));
  const ok =
    hours.length <= 24 &&
    hours.every((h, i) => h >= 0 && h <= 23 && (i === 0 || h > (hours[i - 1] as number)));
  if (!ok) {
    throw badField(
      '/shifts',
      `must be local hours 0-23 in ascending order, comma separated (such as 6,14,22), got ${JSON.stringify(value.slice(0, 80))}`,
    );
  }
  return hours;
}

/** GET /api/stats/series. */
export function statsSeriesRoutes(ctx: RouteContext) {
  const { store } = ctx.deps;
  return new Elysia({ name: 'routes.stats-series', detail: { tags: ['Units'] } }).get(
    '/api/stats/series',
    ({ query }) => {
      const { from, to } = statsRange(query, ctx.clock.now());
      const bucket = query.bucket ?? 'hour';
      if (!isBucket(bucket)) {
        throw badField(
          '/bucket',
          `must be one of ${YIELD_BUCKETS.join(', ')}, got ${JSON.stringify(bucket.slice(0, 40))}`,
        );
      }
      return store.yieldSeries({
        from,
        to,
        bucket,
        utcOffset: intParam('utcOffset', query.utcOffset, -840, 840),
        shifts: shiftsParam(query.shifts),
        bins: intParam('bins', query.bins, 2, 100),
        batchId: query.batch,
        sequence: query.sequence,
      });
    },
    {
      query: t.Object({
        from: t.Optional(
          t.String({ description: 'runs started at or after (ISO 8601); default: to - 24 h' }),
        ),
        to: t.Optional(t.String({ description: 'runs started before (ISO 8601); default: now' })),
        bucket: t.Optional(t.String({ description: `${YIELD_BUCKETS.join(' | ')}; default hour` })),
        utcOffset: t.Optional(
          t.String({
            description:
              "the screen's minutes east of UTC (-840..840), which hours and days follow; default 0",
          }),
        ),
        shifts: t.Optional(
          t.String({
            description: `local hours the shifts start at, ascending; default ${DEFAULT_SHIFTS.join(',')}`,
          }),
        ),
        bins: t.Optional(
          t.String({ description: 'most bars of the cycle time histogram, 2-100; default 20' }),
        ),
        batch: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'one batch id' })),
        sequence: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'one sequence name' })),
      }),
      detail: {
        summary:
          'Yield over time (units, verdicts and first-pass yield per hour, shift or day) and the cycle time histogram',
        responses: responses(YieldSeriesSchema, 'The buckets, oldest first, and the histogram'),
      },
    },
  );
}
