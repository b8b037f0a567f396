// Result shapes of a run (SPEC §4 StepResult / ExecutionResult) and builders of the exact `data` of the
// SPEC §3.2 events, so the runner publishes and stores them without reshaping.
import type { RunUnit } from '@station/bus/dut';
import type { SequenceErrorCode } from './errors.ts';
import type { OperatorPrompt, PromptClosed } from './prompt.ts';
import type { Params, ParamValue } from './sdk.ts';

/** One recorded measurement with its verdict. Undeclared ones are recorded with `declared: false`. */
export interface MeasurementResult {
  name: string;
  value: ParamValue;
  unit?: string;
  low?: number;
  high?: number;
  equals?: ParamValue;
  pass: boolean;
  declared: boolean;
  /** ISO 8601 time it was recorded. */
  timestamp: string;
}

/** A step's error, as stored and sent. */
export interface StepError {
  code: SequenceErrorCode;
  message: string;
}

/** Status of a step (SPEC §4). The engine reports completed, failed and skipped; the runner may use the others for rows written ahead. */
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

/** What the step produced, the `result` of SPEC §4 and of `step_complete`. */
export interface StepOutput {
  /** What the step function returned, if it returned a JSON-able value. */
  value?: unknown;
  measurements: MeasurementResult[];
  /** How many times the step ran (1 + retries used); 0 when skipped. */
  attempts: number;
}

/** One step's result (SPEC §4 StepResult): `order` and `step_start.index` are 0-based manifest positions. */
export interface StepResult {
  name: string;
  order: number;
  status: StepStatus;
  pass: boolean;
  cleanup: boolean;
  startedAt?: string;
  completedAt?: string;
  /** Seconds. */
  duration?: number;
  result: StepOutput;
  error?: StepError;
  /**
   * The step function had not returned when its grace after an abort or timeout ran out: it may still be
   * running (and holding memory or hardware) inside this process, which is therefore no longer clean.
   */
  abandoned?: true;
}

/** How a run ended (the ExecutionResult statuses of SPEC §4 other than `running`). */
export type SequenceStatus = 'completed' | 'failed' | 'stopped';

/** What `runSequence` resolves with; the ExecutionResult minus storage fields. */
export interface SequenceOutcome {
  executionId: string;
  batchId: string;
  sequenceName: string;
  sequenceVersion: string;
  packageHash: string;
  status: SequenceStatus;
  overallPass: boolean;
  parameters: Params;
  /** The unit the run was of, with the serial a step may have set. */
  dut: RunUnit;
  steps: StepResult[];
  startedAt: string;
  completedAt: string;
  /** Seconds. */
  duration: number;
  /** The first error that decided the status (a failed step's, or ABORTED). */
  error?: StepError & { step?: string };
  /** Steps abandoned still running (see StepResult.abandoned); absent when every step returned. */
  abandoned?: string[];
}

/** What `onSequenceStart` receives. */
export interface SequenceStart {
  executionId: string;
  batchId: string;
  sequenceName: string;
  sequenceVersion: string;
  packageHash: string;
  parameters: Params;
  startedAt: string;
  steps: { name: string; order: number; cleanup: boolean }[];
  /** The unit as the start named it. */
  dut: RunUnit;
}

/** What `onSerial` receives: a step read the unit's serial number. */
export interface SerialSet {
  serialNumber: string;
  /** The step that set it. */
  step: string;
}

/** `step_start` event data. */
export interface StepStartData {
  step: string;
  index: number;
  total: number;
}

/** `step_complete` event data. */
export interface StepCompleteData {
  step: string;
  duration: number;
  pass: boolean;
  result: StepOutput & { status: StepStatus; error?: StepError };
}

/** `sequence_complete` event data. */
export interface SequenceCompleteData {
  executionId: string;
  overallPass: boolean;
  duration: number;
  steps: StepResult[];
}

/** Log levels a step can use. */
export type LogLevel = 'info' | 'warn' | 'error';

/** `log` event data. */
export interface LogData {
  level: LogLevel;
  message: string;
  timestamp: string;
}

/** `error` event data. */
export interface ErrorData {
  code: SequenceErrorCode;
  message: string;
  step: string | null;
}

/**
 * Where the engine reports progress. Every call is awaited before the engine moves on, in this order:
 * onSequenceStart, then per step onStepStart / (onLog | onPrompt | onPromptClosed)* / onError? / onStepEnd (skipped steps get only
 * onStepEnd), then onSequenceEnd. A throwing sink ends the run (SINK_FAILED).
 */
export interface SequenceSink {
  onSequenceStart?(start: SequenceStart): Promise<void> | void;
  onStepStart?(data: StepStartData): Promise<void> | void;
  onStepEnd?(result: StepResult): Promise<void> | void;
  onLog?(data: LogData): Promise<void> | void;
  onError?(data: ErrorData): Promise<void> | void;
  /** A step asked the operator (`operator_prompt`). */
  onPrompt?(prompt: OperatorPrompt): Promise<void> | void;
  /** A prompt was answered, timed out or cancelled (`operator_prompt_closed`), before its step ends. */
  onPromptClosed?(closed: PromptClosed, prompt: OperatorPrompt): Promise<void> | void;
  /** A step set the unit's serial number (`ctx.dut.setSerial`). */
  onSerial?(data: SerialSet): Promise<void> | void;
  onSequenceEnd?(outcome: SequenceOutcome): Promise<void> | void;
}

/** `step_complete` data for a step result. */
export function stepCompleteData(r: StepResult): StepCompleteData {
  return {
    step: r.name,
    duration: r.duration ?? 0,
    pass: r.pass,
    result: { ...r.result, status: r.status, ...(r.error ? { error: r.error } : {}) },
  };
}

/** `sequence_complete` data for an outcome. */
export function sequenceCompleteData(o: SequenceOutcome): SequenceCompleteData {
  return { executionId: o.executionId, overallPass: o.overallPass, duration: o.duration, steps: o.steps };
}

/** `step_start` data (the sink already receives exactly this; here for symmetry and for callers replaying). */
export function stepStartData(step: string, index: number, total: number): StepStartData {
  return { step, index, total };
}

/** Fraction of steps finished, for `batch_status.progress` (0..1). */
export function progressOf(finished: number, total: number): number {
  return total === 0 ? 1 : Math.min(1, finished / total);
}
