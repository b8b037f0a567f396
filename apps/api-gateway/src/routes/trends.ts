// A measurement across the last finished runs of a sequence as a control chart
// (GET /api/trends/{sequence}/{measurement}), read straight from the shared store as the results are.
import { DEFAULT_TREND_POINTS, MAX_TREND_POINTS } from '@station/db';
import { Elysia, t } from 'elysia';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { documentedSchema, ErrorSchema, MeasurementTrendSchema } from '../schemas.ts';

/** Longest sequence or measurement name a trend is asked for. */
const MAX_NAME = 128;

/** A path name that can name a sequence or a measurement, or a 400 INVALID_NAME naming the field. */
function checkName(field: string, value: string): string {
  if (value.length === 0 || value.length > MAX_NAME || /\p{Cc}/u.test(value)) {
    throw new ApiError(
      'INVALID_NAME',
      `${field}: must be 1-${MAX_NAME} characters without control characters, got ${JSON.stringify(value.slice(0, 80))}`,
      { details: { errors: [{ path: `/${field}`, message: 'not a name' }] } },
    );
  }
  return value;
}

/** `last` as the number of readings, or a 422 naming it. */
function lastParam(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TREND_POINTS;
  const n = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= MAX_TREND_POINTS)) {
    const message = `must be a whole number from 1 to ${MAX_TREND_POINTS}, got ${JSON.stringify(value.slice(0, 40))}`;
    throw new ApiError('BAD_REQUEST', `/last: ${message}`, {
      details: { errors: [{ path: '/last', message }] },
    });
  }
  return n;
}

const errorContent = (description: string) => ({
  description,
  content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
});

/** GET /api/trends/{sequence}/{measurement}. */
export function trendRoutes(ctx: RouteContext) {
  const { store } = ctx.deps;
  return new Elysia({ name: 'routes.trends', detail: { tags: ['Results'] } }).get(
    '/api/trends/:sequence/:measurement',
    ({ params, query }) => {
      const sequence = checkName('sequence', params.sequence);
      const measurement = checkName('measurement', params.measurement);
      const last = lastParam(query.last);
      const batchId = query.batch;
      if (batchId !== undefined && (batchId.length === 0 || batchId.length > 64)) {
        const message = `must be a batch id of 1-64 characters, got ${JSON.stringify(batchId.slice(0, 80))}`;
        throw new ApiError('BAD_REQUEST', `/batch: ${message}`, {
          details: { errors: [{ path: '/batch', message }] },
        });
      }
      const trend = store.measurementTrend({ sequence, measurement, last, batchId });
      if (trend === 'unknown-sequence') {
        throw new ApiError('NOT_FOUND', `no run of a sequence named "${sequence}" is on record`);
      }
      if (trend === 'unknown-measurement') {
        const where = batchId === undefined ? '' : ` on batch "${batchId}"`;
        throw new ApiError(
          'NOT_FOUND',
          `no finished run of "${sequence}"${where} has a numeric measurement named "${measurement}"`,
        );
      }
      return trend;
    },
    {
      params: t.Object({ sequence: t.String(), measurement: t.String() }),
      query: t.Object({
        last: t.Optional(
          t.String({
            description: `readings, newest kept: 1-${MAX_TREND_POINTS}, default ${DEFAULT_TREND_POINTS}`,
          }),
        ),
        batch: t.Optional(t.String({ description: 'only runs of this batch' })),
      }),
      detail: {
        summary:
          'Control chart of a measurement over the last N finished runs: mean, sigma, 3-sigma limits, spec limits, Cpk and rule breaks',
        responses: {
          200: {
            description: 'The readings, oldest first, and the figures',
            content: { 'application/json': { schema: documentedSchema(MeasurementTrendSchema) } },
          },
          400: errorContent('A sequence or measurement name that cannot be one'),
          404: errorContent('No run of the sequence, or no numeric reading of the measurement'),
          422: errorContent('A bad `last` or `batch`'),
        },
      },
    },
  );
}
