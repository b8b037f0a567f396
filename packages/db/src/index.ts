// @station/db: the shared SQLite store of the station (schema, connection, migrations, named queries).

export { VERDICTS, type Verdict, verdictOf } from '@station/model';
export { StoreError, type StoreErrorCode } from './errors.ts';
export { type StationDb, type StationTx, type StoreHandle, writeTransaction } from './handle.ts';
export { newExecutionId } from './ids.ts';
export { applyMigrations, DEFAULT_MIGRATIONS_FOLDER, readMigrations } from './migrate.ts';
export { DEFAULT_BUSY_TIMEOUT_MS, type OpenStoreOptions, openStore, type Store } from './open-store.ts';
export type {
  DutInput,
  ExecutionOutcome,
  FinalExecutionStatus,
  NewExecution,
} from './queries/executions.ts';
export { type BoundQueries, queries } from './queries/index.ts';
export type { Interruption, InterruptTarget } from './queries/interrupt.ts';
export type { BatchRule, SequencePin } from './queries/pins.ts';
export type { PromptClose, PromptInput } from './queries/prompts.ts';
export { DEFAULT_PAGE_SIZE, type ListResultsQuery, MAX_PAGE_SIZE } from './queries/results.ts';
export { RETENTION_BATCH, VACUUM_PAGES } from './queries/retention.ts';
export type { StatsQuery } from './queries/stats.ts';
export type { MeasurementInput, StepInput } from './queries/steps.ts';
export type { ClaimOptions } from './queries/sync-claim.ts';
export type { RejectOutcome, RequeueOptions, RetryOutcome } from './queries/sync-mark.ts';
export { PRUNE_BATCH } from './queries/sync-prune.ts';
export type { SyncStats } from './queries/sync-stats.ts';
export {
  DEFAULT_TREND_POINTS,
  MAX_TREND_POINTS,
  type TrendQuery,
} from './queries/trend.ts';
export { MAX_UNIT_HISTORY } from './queries/units.ts';
export type { YieldSeriesQuery } from './queries/yield-series.ts';
export * from './schema.ts';
export { spoolingStore } from './spooling-store.ts';
export { type TimeInput, toIso } from './time.ts';
export { unitOf } from './verdict.ts';
