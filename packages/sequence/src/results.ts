// What the engine reports about a run: the steps as @station/model's StepResult (what is stored, served
// and published, so the runner passes them on without reshaping), and the outcome of the whole run.
import type {
  BatchError,
  FinalExecutionStatus,
  LogLine,
  Measurement,
  OperatorPrompt,
  PromptClosed,
  RunUnit,
  StepResult,
  StepStart,
} from '@station/model';
import type { SequenceErrorCode } from './errors.ts';
import type { Params } from './sdk.ts';

export type { Measurement, StepResult, StepStart };

/** A step's error, as the engine decides on it. Stored and sent as `CODE: message` (see `errorText`). */
export interface StepError {
  code: SequenceErrorCode;
  message: string;
}

/** How a run ended. */
export type SequenceStatus = FinalExecutionStatus;

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
  /**
   * Steps whose function had not returned when its grace after an abort or timeout ran out: they may
   * still be running (and holding memory or hardware) inside this process, which is therefore no longer
   * clean. Absent when every step returned.
   */
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

/** Log levels a step can use. */
export type LogLevel = Exclude<LogLine['level'], 'debug'>;

/** `error` event data of a step. */
export interface ErrorData extends BatchError {
  code: SequenceErrorCode;
  step: string;
}

/**
 * Where the engine reports progress. Every call is awaited before the engine moves on, in this order:
 * onSequenceStart, then per step onStepStart / (onLog | onPrompt | onPromptClosed)* / onError? / onStepEnd
 * (skipped steps get only onStepEnd), then onSequenceEnd. A throwing sink ends the run (SINK_FAILED).
 */
export interface SequenceSink {
  onSequenceStart?(start: SequenceStart): Promise<void> | void;
  onStepStart?(data: StepStart): Promise<void> | void;
  /**
   * `next` is the step that starts right after this call (its onStepStart follows with nothing between),
   * or undefined when the run ends, steps are skipped first or the run was aborted.
   */
  onStepEnd?(result: StepResult, next?: StepStart): Promise<void> | void;
  onLog?(data: LogLine): Promise<void> | void;
  onError?(data: ErrorData): Promise<void> | void;
  /** A step asked the operator (`operator_prompt`). */
  onPrompt?(prompt: OperatorPrompt): Promise<void> | void;
  /** A prompt was answered, timed out or cancelled (`operator_prompt_closed`), before its step ends. */
  onPromptClosed?(closed: PromptClosed, prompt: OperatorPrompt): Promise<void> | void;
  /** A step set the unit's serial number (`ctx.dut.setSerial`). */
  onSerial?(data: SerialSet): Promise<void> | void;
  onSequenceEnd?(outcome: SequenceOutcome): Promise<void> | void;
}

/** `CODE: message`, the form a step's error is stored and sent in. */
export function errorText(error: StepError): string {
  return `${error.code}: ${error.message}`;
}

/** Fraction of steps finished, for `batch_status.progress` (0..1). */
export function progressOf(finished: number, total: number): number {
  return total === 0 ? 1 : Math.min(1, finished / total);
}
