// SPEC §3.1 Results: read straight from the shared store (no bus hop), paged and filtered, one result in
// full, and its export as a JSON or CSV download.
import type { TSchema } from '@sinclair/typebox';
import { DEFAULT_PAGE_SIZE, type ListResultsQuery, MAX_PAGE_SIZE } from '@station/db';
import { Elysia, t } from 'elysia';
import type { RouteContext } from '../context.ts';
import { executionToCsv, exportFileName } from '../csv.ts';
import { ApiError } from '../errors.ts';
import { documentedSchema, ErrorSchema, ExecutionResultSchema, ResultsPageSchema } from '../schemas.ts';

/** Documents a body in OpenAPI without checking responses at run time (the store's types are the truth). */
function documented(schema: TSchema, description: string) {
  return {
    200: { description, content: { 'application/json': { schema: documentedSchema(schema) } } },
    404: {
      description: 'Not found',
      content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
    },
    422: {
      description: 'Invalid query',
      content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
    },
  };
}

const ListQuery = t.Object({
  // Strings checked by positiveInt(): Elysia's numeric coercion loses the field's path in its errors.
  page: t.Optional(t.String({ description: '1-based page, default 1' })),
  pageSize: t.Optional(t.String({ description: `rows per page, default 50, capped at ${MAX_PAGE_SIZE}` })),
  batchId: t.Optional(t.String({ minLength: 1 })),
  status: t.Optional(
    t.Union([t.Literal('running'), t.Literal('completed'), t.Literal('failed'), t.Literal('stopped')]),
  ),
  pass: t.Optional(t.Union([t.Literal('true'), t.Literal('false')], { description: 'overall pass' })),
  sequence: t.Optional(t.String({ minLength: 1, description: 'sequence name' })),
  from: t.Optional(t.String({ description: 'started at or after (ISO 8601)' })),
  to: t.Optional(t.String({ description: 'started before (ISO 8601)' })),
  serial: t.Optional(
    t.String({
      minLength: 1,
      maxLength: 64,
      description: 'serial numbers starting with this (case-sensitive)',
    }),
  ),
  partNumber: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'part number, exact' })),
});

/** A positive integer query parameter, or a 422 naming the field. */
function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) < 1) {
    const message = `must be an integer of at least 1, got ${JSON.stringify(value.slice(0, 40))}`;
    throw new ApiError('BAD_REQUEST', `/${name}: ${message}`, {
      details: { errors: [{ path: `/${name}`, message }] },
    });
  }
  return Number(value);
}

/** The results routes, mounted under `/api/results`. */
export function resultRoutes(ctx: RouteContext) {
  const { store } = ctx.deps;

  function load(id: string) {
    const result = store.getResult(id);
    if (!result) throw new ApiError('NOT_FOUND', `no result "${id.slice(0, 80)}"`);
    return result;
  }

  return new Elysia({ name: 'routes.results', prefix: '/api/results', detail: { tags: ['Results'] } })
    .get(
      '',
      ({ query }) => {
        const q: ListResultsQuery = {
          page: positiveInt('page', query.page),
          pageSize: Math.min(positiveInt('pageSize', query.pageSize) ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
          batchId: query.batchId,
          status: query.status,
          pass: query.pass === undefined ? undefined : query.pass === 'true',
          sequence: query.sequence,
          from: query.from,
          to: query.to,
          serial: query.serial,
          partNumber: query.partNumber,
        };
        return store.listResults(q);
      },
      {
        query: ListQuery,
        detail: {
          summary: 'List results, newest first, paged',
          responses: documented(ResultsPageSchema, 'One page'),
        },
      },
    )
    .get('/:id', ({ params }) => load(params.id), {
      params: t.Object({ id: t.String() }),
      detail: {
        summary: 'One result with its steps and measurements',
        responses: documented(ExecutionResultSchema, 'ExecutionResult'),
      },
    })
    .get(
      '/:id/export',
      ({ params, query }) => {
        const result = load(params.id);
        const format = query.format ?? 'json';
        const body = format === 'csv' ? executionToCsv(result) : `${JSON.stringify(result, null, 2)}\n`;
        return new Response(body, {
          headers: {
            'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
            'content-disposition': `attachment; filename="${exportFileName(result.id, format)}"`,
          },
        });
      },
      {
        params: t.Object({ id: t.String() }),
        query: t.Object({ format: t.Optional(t.Union([t.Literal('json'), t.Literal('csv')])) }),
        detail: {
          summary: 'Download a result as JSON or CSV (one row per measurement, and per step without any)',
          responses: {
            200: {
              description: 'The file (Content-Disposition: attachment)',
              content: {
                'text/csv': { schema: { type: 'string' } },
                'application/json': { schema: documentedSchema(ExecutionResultSchema) },
              },
            },
            404: {
              description: 'Not found',
              content: { 'application/json': { schema: documentedSchema(ErrorSchema) } },
            },
          },
        },
      },
    );
}
