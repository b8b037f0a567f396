// Response schemas of the REST API, for the OpenAPI document and response checking: @station/model's,
// the one definition every service and the UI share, plus the error body.

import type { TSchema } from '@sinclair/typebox';
import {
  BatchDetail,
  BatchStatus,
  CommandResult,
  ExecutionResult,
  ExecutionSummary,
  LogLine,
  MeasurementTrend,
  PromptClosed,
  ResultsPage,
  StationStats,
  SyncResult,
  UnitHistory,
  YieldSeries,
} from '@station/model';
import { t } from 'elysia';

export const BatchStatusSchema = BatchStatus;
export const BatchDetailSchema = BatchDetail;
export const CommandResultSchema = CommandResult;
export const SyncResultSchema = SyncResult;
export const PromptClosedSchema = PromptClosed;
/** GET /api/batches/{id}/log: the batch's recent log lines, oldest first. */
export const BatchLogSchema = t.Object({ batchId: t.String(), lines: t.Array(LogLine) });

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

export const ExecutionSummarySchema = ExecutionSummary;
/** SPEC §4 ExecutionResult with steps, measurements and prompts. */
export const ExecutionResultSchema = ExecutionResult;
export const ResultsPageSchema = ResultsPage;
/** GET /api/units/{serialNumber}. */
export const UnitHistorySchema = UnitHistory;
/** GET /api/stats. */
export const StationStatsSchema = StationStats;

/** GET /api/stats/series. */
export const YieldSeriesSchema = YieldSeries;

/** GET /api/trends/{sequence}/{measurement}. */
export const MeasurementTrendSchema = MeasurementTrend;

/** A TypeBox schema for an OpenAPI `content` entry (documentation only, no run-time check): it is JSON Schema. */
export function documentedSchema(schema: TSchema): TSchema {
  return schema;
}
