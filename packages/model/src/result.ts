// The result of a run (SPEC §4 ExecutionResult / StepResult and their measurements): what the store
// keeps, `GET /api/results/{id}` serves, `sequence_complete` carries and the sync agent posts to the
// Backend. Absent values are `null`, never missing, so a JSON body always has the same keys.
import { type Static, Type as T } from '@sinclair/typebox';
import { JsonValue } from './json.ts';
import { PromptRecord } from './prompt.ts';
import { literalUnion, Nullable } from './schema.ts';

export { JsonValue };

/** Lifecycle of one run of a sequence; only `running` may change, the other three are final. */
export const EXECUTION_STATUSES = ['running', 'completed', 'failed', 'stopped'] as const;
export const ExecutionStatus = literalUnion(EXECUTION_STATUSES);
export type ExecutionStatus = Static<typeof ExecutionStatus>;

/** How a run ended: every execution status but `running`. */
export const FINAL_EXECUTION_STATUSES = ['completed', 'failed', 'stopped'] as const;
export const FinalExecutionStatus = literalUnion(FINAL_EXECUTION_STATUSES);
export type FinalExecutionStatus = Static<typeof FinalExecutionStatus>;

/**
 * Why an execution ended other than by running to its end (null when it did, pass or fail): the
 * operator's abort, the station shutting down, the supervisor lost, the runner crashed, a runner gone
 * without leaving an exit reason (lost), its memory limit, a store that refused a write, or one that
 * refused it because the disk is full. Only `ABORTED` is an operator's doing.
 */
export const STATUS_REASONS = [
  'ABORTED',
  'SHUTDOWN',
  'INTERRUPTED',
  'BATCH_CRASHED',
  'BATCH_LOST',
  'RESOURCE_LIMIT',
  'STORE_ERROR',
  'STORAGE_FULL',
] as const;
export const StatusReason = literalUnion(STATUS_REASONS, {
  description:
    'who or what ended the run early: ABORTED (the operator), SHUTDOWN, INTERRUPTED, BATCH_CRASHED, BATCH_LOST, RESOURCE_LIMIT, STORE_ERROR, STORAGE_FULL; null when it ran to its end',
});
export type StatusReason = Static<typeof StatusReason>;

/** Lifecycle of one step inside an execution. The engine ends a step completed, failed or skipped. */
export const STEP_STATUSES = ['pending', 'running', 'completed', 'failed', 'skipped'] as const;
export const StepStatus = literalUnion(STEP_STATUSES);
export type StepStatus = Static<typeof StepStatus>;

/** A measured value: numbers for readings, strings and booleans for `equals` checks. */
export const MeasuredValue = T.Union([T.Number(), T.String(), T.Boolean(), T.Null()]);
export type MeasuredValue = Static<typeof MeasuredValue>;

/** One measurement of a step with the limits it was judged against and its verdict. */
export const Measurement = T.Object({
  name: T.String(),
  value: MeasuredValue,
  unit: Nullable(T.String()),
  low: Nullable(T.Number()),
  high: Nullable(T.Number()),
  equals: Nullable(JsonValue),
  pass: T.Boolean(),
});
export type Measurement = Static<typeof Measurement>;

/** One step of an execution (SPEC §4 StepResult); `order` is its 0-based manifest position. */
export const StepResult = T.Object({
  name: T.String(),
  order: T.Integer({ minimum: 0 }),
  status: StepStatus,
  pass: T.Boolean(),
  startedAt: Nullable(T.String()),
  completedAt: Nullable(T.String()),
  duration: Nullable(T.Number({ description: 'seconds' })),
  /** How many times the step ran (1 + retries used); 0 when it did not run. */
  attempts: T.Integer({ minimum: 0 }),
  /** What the step function returned, if it returned a JSON value. */
  result: Nullable(JsonValue),
  /** `CODE: message` of the step's error. */
  error: Nullable(T.String()),
  /** In the order they were taken. */
  measurements: T.Array(Measurement),
  /** What the step asked the operator, oldest first; only on steps that asked. */
  prompts: T.Optional(T.Array(PromptRecord)),
});
export type StepResult = Static<typeof StepResult>;

/** A run cut off by a runner crash and continued by the next runner (manifest `resume:`). */
export const ResumeEntry = T.Object({
  /** When the next runner resumed it. */
  resumedAt: T.String(),
  /** The step it continued at (0-based order and name); that step ran again from its start. */
  fromOrder: T.Integer(),
  fromStep: T.String(),
  /** What cut it off: the status reason and message the crash was recorded with. */
  reason: T.String(),
  message: T.String(),
});
export type ResumeEntry = Static<typeof ResumeEntry>;

/** One row of the results list: an execution without its steps. */
export const ExecutionSummary = T.Object({
  id: T.String(),
  batchId: T.String(),
  sequenceName: T.String(),
  sequenceVersion: T.String(),
  packageHash: T.String(),
  status: ExecutionStatus,
  /** Null while running. */
  overallPass: Nullable(T.Boolean()),
  parameters: T.Record(T.String(), JsonValue),
  startedAt: T.String(),
  completedAt: Nullable(T.String()),
  duration: Nullable(T.Number({ description: 'seconds' })),
  /** Why it ended abnormally (crash, abort, hardware error); null for a normal end. */
  error: Nullable(T.String()),
  statusReason: Nullable(StatusReason),
  syncedAt: Nullable(T.String()),
  operator: Nullable(T.String({ description: 'who started the run (operator id or token subject)' })),
  /** The unit under test; null when the run was not of an identified unit. */
  serialNumber: Nullable(T.String()),
  partNumber: Nullable(T.String()),
  revision: Nullable(T.String()),
  lot: Nullable(T.String()),
  /** The step that read the serial from the unit (`ctx.dut.setSerial`); null when it came with the start. */
  serialSourceStep: Nullable(T.String()),
});
export type ExecutionSummary = Static<typeof ExecutionSummary>;

/** A whole execution (SPEC §4 ExecutionResult): `GET /api/results/{id}` and the Backend payload. */
export const ExecutionResult = T.Composite([
  ExecutionSummary,
  T.Object({
    steps: T.Array(StepResult),
    /** Present when a runner crash cut the run off and the next runner resumed it (`resume:`), oldest first. */
    resumes: T.Optional(T.Array(ResumeEntry)),
  }),
]);
export type ExecutionResult = Static<typeof ExecutionResult>;

/**
 * One row of the results list: the summary and how many times a runner crash cut the run off and the next
 * runner resumed it (`resume:`; 0 for an ordinary run), so a list can mark such runs without opening each.
 */
export const ResultListItem = T.Composite([
  ExecutionSummary,
  T.Object({ resumeCount: T.Integer({ minimum: 0 }) }),
]);
export type ResultListItem = Static<typeof ResultListItem>;

/** One page of the results list, newest first. */
export const ResultsPage = T.Object({
  items: T.Array(ResultListItem),
  /** Rows matching the filters, over all pages. */
  total: T.Integer(),
  page: T.Integer(),
  pageSize: T.Integer(),
});
export type ResultsPage = Static<typeof ResultsPage>;

/** The code of a `CODE: message` error text (a step's `error`), or undefined. */
export function errorCodeOf(error: string | null | undefined): string | undefined {
  return error ? /^([A-Z][A-Z0-9_]*):/.exec(error)?.[1] : undefined;
}

/** The message of a `CODE: message` error text, without its code. */
export function errorMessageOf(error: string): string {
  return error.replace(/^[A-Z][A-Z0-9_]*: /, '');
}
