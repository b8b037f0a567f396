// The station's events (SPEC §3.2): published on the bus under `batch.<batchId>.<type>` or
// `system.<type>` and forwarded unchanged to WebSocket clients, plus the gateway's own WebSocket messages.
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import { BatchProcess, BatchStatus, SequenceStatus } from './batch.ts';
import { RunUnit, Verdict } from './dut.ts';
import { OperatorPrompt, PromptClosed } from './prompt.ts';
import {
  FinalExecutionStatus,
  JsonValue,
  Measurement,
  StatusReason,
  StepResult,
  StepStatus,
} from './result.ts';
import { literalUnion, Nullable } from './schema.ts';
import { SyncStatus } from './sync.ts';
import { MeasurementDrift } from './trend.ts';

const Opt = T.Optional;

const batchEvent = <Type extends string, D extends TSchema>(type: Type, data: D) =>
  T.Object({ type: T.Literal(type), batch_id: T.String(), data });

/** `batch_status` data: a full status, or the fields that changed plus `status`. */
export const BatchStatusUpdate = T.Composite([
  T.Partial(BatchStatus),
  T.Object({ status: BatchStatus.properties.status }),
]);
export type BatchStatusUpdate = Static<typeof BatchStatusUpdate>;

/** `sequence_start` data: a run began: which execution, of which sequence, on which unit. */
export const SequenceStarted = T.Object({
  executionId: T.String(),
  sequenceName: T.String(),
  sequenceVersion: T.String(),
  startedAt: T.String(),
  totalSteps: T.Integer(),
  dut: RunUnit,
});
export type SequenceStarted = Static<typeof SequenceStarted>;

/** `step_start` data: `index` is the step's 0-based manifest position. */
export const StepStart = T.Object({ step: T.String(), index: T.Integer(), total: T.Integer() });
export type StepStart = Static<typeof StepStart>;

/**
 * `step_complete` data: SPEC's `{ step, duration, pass, result }`, `result` being what the step returned,
 * plus its status, error and measurements as `GET /api/results/{id}` has them.
 */
export const StepComplete = T.Object({
  step: T.String(),
  duration: T.Number(),
  pass: T.Boolean(),
  result: Nullable(JsonValue),
  status: Opt(StepStatus),
  error: Opt(Nullable(T.String())),
  measurements: Opt(T.Array(Measurement)),
});
export type StepComplete = Static<typeof StepComplete>;

/** `step_complete` data for a recorded step. */
export function stepComplete(s: StepResult): StepComplete {
  return {
    step: s.name,
    duration: s.duration ?? 0,
    pass: s.pass,
    result: s.result,
    status: s.status,
    error: s.error,
    measurements: s.measurements,
  };
}

/** `sequence_complete` data: the verdict and every step as stored. */
export const SequenceComplete = T.Object({
  executionId: T.String(),
  overallPass: T.Boolean(),
  duration: T.Number(),
  steps: T.Array(StepResult),
  status: Opt(FinalExecutionStatus),
  /** Who or what ended the run early (`ABORTED`, `SHUTDOWN`, ...); null when it ran to its end. */
  statusReason: Opt(Nullable(StatusReason)),
  /** A run that ended in an error rather than a verdict (STORAGE_FULL: results could not be stored). */
  error: Opt(T.Object({ code: T.String(), message: T.String() })),
  /** The run's verdict, given once by whoever ended the run (`verdictOf`); readers show it, never derive it. */
  verdict: Verdict,
  /** The unit the run was of, with the serial a step may have read. */
  dut: Opt(RunUnit),
});
export type SequenceComplete = Static<typeof SequenceComplete>;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const LogLevel = literalUnion(LOG_LEVELS);
export type LogLevel = Static<typeof LogLevel>;

/** `log` data: a line a step (or the runner) wrote. */
export const LogLine = T.Object({ level: LogLevel, message: T.String(), timestamp: T.String() });
export type LogLine = Static<typeof LogLine>;

/** `error` data: what went wrong in a batch, and in which step. */
export const BatchError = T.Object({
  code: T.String(),
  message: T.String(),
  step: Opt(Nullable(T.String())),
  details: Opt(T.Unknown()),
});
export type BatchError = Static<typeof BatchError>;

/** Every event, by type. */
export const events = {
  /**
   * A batch's card as screens get it. Authored by the gateway alone (its read model composes it from
   * `batch_process` and `sequence_status`); never published on the bus.
   */
  batch_status: batchEvent('batch_status', BatchStatusUpdate),
  /** The supervisor's lifecycle facts of a batch, at every change; the gateway folds them into the card. */
  batch_process: batchEvent('batch_process', BatchProcess),
  /** The runner's facts about its run; the gateway folds them into the card. */
  sequence_status: batchEvent('sequence_status', SequenceStatus),
  sequence_start: batchEvent('sequence_start', SequenceStarted),
  step_start: batchEvent('step_start', StepStart),
  step_complete: batchEvent('step_complete', StepComplete),
  sequence_complete: batchEvent('sequence_complete', SequenceComplete),
  log: batchEvent('log', LogLine),
  error: batchEvent('error', BatchError),
  operator_prompt: batchEvent('operator_prompt', OperatorPrompt),
  operator_prompt_closed: batchEvent('operator_prompt_closed', PromptClosed),
  /**
   * A finished run's reading broke a control chart rule on its batch's series. Authored by the gateway
   * (from the store, at `sequence_complete`); sent to WebSocket clients and kept on the card, never
   * published on the bus.
   */
  measurement_drift: batchEvent('measurement_drift', MeasurementDrift),
  sync_status: T.Object({ type: T.Literal('sync_status'), data: SyncStatus }),
} as const;

export type EventType = keyof typeof events;
export type BatchEventType = Exclude<EventType, 'sync_status'>;
export type EventOf<K extends EventType> = Static<(typeof events)[K]>;
export type StationEvent = { [K in EventType]: EventOf<K> }[EventType];
export type BatchEvent = Extract<StationEvent, { batch_id: string }>;
/** Whether `type` names a station event. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(events, type);
}

/** One event schema that accepts any station event. */
export const StationEvent = T.Union(Object.values(events));
