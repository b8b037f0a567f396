// The unit under test across runs: a unit's history (GET /api/units/{serialNumber}) and yield over a time
// range (GET /api/stats). Both are read straight from the shared store, as the results are.
import { SERIAL_NUMBER_PATTERN } from '@station/model';
import { Elysia, t } from 'elysia';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { documentedSchema, ErrorSchema, StationStatsSchema, UnitHistorySchema } from '../schemas.ts';

/** Longest range GET /api/stats answers: the store is read on the gateway's event loop. */
export const MAX_STATS_RANGE_DAYS = 31;
export const DAY_MS = 24 * 3600_000;
const serialRule = new RegExp(SERIAL_NUMBER_PATTERN);

/** 422 BAD_REQUEST for one query or path field. */
export function badField(path: string, message: string): ApiError {
  return new ApiError('BAD_REQUEST', `${path}: ${message}`, {
    details: { errors: [{ path, message }] },
  });
}

/** An ISO 8601 time query parameter as epoch ms, or a 422 naming it. */
export function timeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw badField(
      `/${name}`,
      `must be an ISO 8601 time such as 2026-11-29T06:00:00Z, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return ms;
}

/**
 * The `from`/`to` range of a stats query as epoch ms: the last 24 h before `to` (default now), at most
 * MAX_STATS_RANGE_DAYS long, or a 422 naming the field at fault.
 */
export function statsRange(query: { from?: string; to?: string }, now: number): { from: number; to: number } {
  const to = timeParam('to', query.to) ?? now;
  const from = timeParam('from', query.from) ?? to - DAY_MS;
  if (from > to) throw badField('/from', `must not be after to (${new Date(to).toISOString()})`);
  if (to - from > MAX_STATS_RANGE_DAYS * DAY_MS) {
    throw badField('/from', `the range may span at most ${MAX_STATS_RANGE_DAYS} days; ask for it in parts`);
  }
  return { from, to };
}

export const responses = (schema: Parameters<typeof documentedSchema>[0], description: string) => ({
  200: { description, content: { 'application/json': { schema: documentedSchema(schema) } } },
  404: {
    description: 'Not found',
    content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
  },
  422: {
    description: 'Invalid request',
    content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
  },
});

/** GET /api/units/{serialNumber} and GET /api/stats. */
export function unitRoutes(ctx: RouteContext) {
  const { store } = ctx.deps;
  return new Elysia({ name: 'routes.units', detail: { tags: ['Units'] } })
    .get(
      '/api/units/:serialNumber',
      ({ params }) => {
        const serial = params.serialNumber;
        if (!serialRule.test(serial)) {
          throw badField(
            '/serialNumber',
            `must be 1-64 printable ASCII characters without spaces, got ${JSON.stringify(serial.slice(0, 80))}`,
          );
        }
        const history = store.unitHistory(serial);
        if (!history) {
          throw new ApiError('NOT_FOUND', `no run of a unit with serial number "${serial}" is on record`);
        }
        return history;
      },
      {
        params: t.Object({ serialNumber: t.String() }),
        detail: {
          summary:
            "A unit's history: every run of this serial number across batches and sequences, newest first",
          responses: responses(UnitHistorySchema, 'The runs, each with its verdict'),
        },
      },
    )
    .get(
      '/api/stats',
      ({ query }) => {
        const { from, to } = statsRange(query, ctx.clock.now());
        return store.stationStats({ from, to, batchId: query.batch, sequence: query.sequence });
      },
      {
        query: t.Object({
          from: t.Optional(
            t.String({ description: 'runs started at or after (ISO 8601); default: to - 24 h' }),
          ),
          to: t.Optional(t.String({ description: 'runs started before (ISO 8601); default: now' })),
          batch: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'one batch id' })),
          sequence: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'one sequence name' })),
        }),
        detail: {
          summary:
            'Yield: units tested, passed, failed, first-pass yield and cycle time, per batch and per sequence',
          responses: responses(StationStatsSchema, 'The figures of the range'),
        },
      },
    );
}
