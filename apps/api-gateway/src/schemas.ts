// Response schemas of the REST API, for the OpenAPI document and response checking. Bus shapes come
// from @station/bus (one definition for every service); result shapes mirror @station/db's types.

import type { TSchema } from '@sinclair/typebox';
import { STATUS_REASONS } from '@station/db';
import {
  BatchDetail,
  BatchStatus,
  CommandResult,
  PromptClosed,
  StationStats,
  SyncResult,
  UnitHistory,
} from '@station/model';
import { t } from 'elysia';

export const BatchStatusSchema = BatchStatus;
export const BatchDetailSchema = BatchDetail;
export const CommandResultSchema = CommandResult;
export const SyncResultSchema = SyncResult;
export const PromptClosedSchema = PromptClosed;

/** `{ error: { code, message, details? } }`: the body of every failed request. */
export const ErrorSchema = t.Object(
  {
    error: t.Object({ code: t.String(), message: t.String(), details: t.Optional(t.Unknown()) }),
  },
  { description: 'Error (the same shape for every status)' },
);

/** The error statuses any route may answer with, for the OpenAPI document. */
export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  422: ErrorSchema,
  500: ErrorSchema,
  502: ErrorSchema,
  503: ErrorSchema,
  504: ErrorSchema,
};

const Nullable = <T extends Parameters<typeof t.Union>[0][number]>(s: T) => t.Union([s, t.Null()]);

/** One row of the results list (ExecutionResult without steps). */
export const ExecutionSummarySchema = t.Object({
  id: t.String(),
  batchId: t.String(),
  sequenceName: t.String(),
  sequenceVersion: t.String(),
  packageHash: t.String(),
  status: t.Union([t.Literal('running'), t.Literal('completed'), t.Literal('failed'), t.Literal('stopped')]),
  overallPass: Nullable(t.Boolean()),
  parameters: t.Record(t.String(), t.Unknown()),
  startedAt: t.String(),
  completedAt: Nullable(t.String()),
  duration: Nullable(t.Number({ description: 'seconds' })),
  error: Nullable(t.String()),
  statusReason: Nullable(
    t.Union(
      STATUS_REASONS.map((r) => t.Literal(r)),
      {
        description:
          'who or what ended the run early: ABORTED (the operator), SHUTDOWN, INTERRUPTED, BATCH_CRASHED, RESOURCE_LIMIT, STORE_ERROR; null when it ran to its end',
      },
    ),
  ),
  syncedAt: Nullable(t.String()),
  operator: Nullable(t.String({ description: 'who started the run (operator id or token subject)' })),
  serialNumber: Nullable(t.String({ description: 'serial number of the unit under test' })),
  partNumber: Nullable(t.String()),
  revision: Nullable(t.String()),
  lot: Nullable(t.String()),
  serialSourceStep: Nullable(
    t.String({
      description: 'the step that read the serial from the unit; null when it came with the start',
    }),
  ),
});

export const MeasurementSchema = t.Object({
  name: t.String(),
  value: t.Union([t.Number(), t.String(), t.Boolean(), t.Null()]),
  unit: Nullable(t.String()),
  low: Nullable(t.Number()),
  high: Nullable(t.Number()),
  equals: t.Unknown(),
  pass: t.Boolean(),
});

export const StepResultSchema = t.Object({
  name: t.String(),
  order: t.Integer(),
  status: t.Union([
    t.Literal('pending'),
    t.Literal('running'),
    t.Literal('completed'),
    t.Literal('failed'),
    t.Literal('skipped'),
  ]),
  pass: t.Boolean(),
  startedAt: Nullable(t.String()),
  completedAt: Nullable(t.String()),
  duration: Nullable(t.Number({ description: 'seconds' })),
  attempts: t.Integer(),
  result: t.Unknown(),
  error: Nullable(t.String()),
  measurements: t.Array(MeasurementSchema),
});

/** SPEC §4 ExecutionResult with steps and measurements. */
export const ExecutionResultSchema = t.Composite([
  ExecutionSummarySchema,
  t.Object({ steps: t.Array(StepResultSchema) }),
]);

export const ResultsPageSchema = t.Object({
  items: t.Array(ExecutionSummarySchema),
  total: t.Integer(),
  page: t.Integer(),
  pageSize: t.Integer(),
});

/** GET /api/units/{serialNumber} and GET /api/stats, as the model defines them. */
export const UnitHistorySchema = UnitHistory;
export const StationStatsSchema = StationStats;

/**
 * A TypeBox schema for an OpenAPI `content` entry (documentation only, no run-time check). TypeBox
 * schemas are JSON Schema; the OpenAPI typings just cannot see that through TypeBox's types.
 */
export function documentedSchema(schema: TSchema): never {
  return schema as never;
}
