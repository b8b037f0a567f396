// The runner's sequence sink: stores each step before it tells anyone, then publishes the SPEC §3.2 event.
// Store first, publish second: a screen may miss an event, the store never misses a result. Shared by the
// batch runner and `station run`, so a run in a terminal is recorded by the same rules.
import type { StepResultShape } from '@station/bus';
import { type MeasurementInput, type StatusReason, type Store, verdictOf } from '@station/db';
import { redactJson, redactText } from '@station/log';
import type { OperatorPrompt, PromptClosed } from './prompt.ts';
import {
  type ErrorData,
  type LogData,
  type SequenceOutcome,
  type SequenceSink,
  type SequenceStart,
  type SerialSet,
  type StepResult,
  type StepStartData,
  stepCompleteData,
} from './results.ts';

/** Why a run was aborted from outside: what the execution records as its status reason. */
export interface AbortCause {
  reason: StatusReason;
  /** Said in the execution's `error` when the reason is not the operator's abort. */
  message: string;
}

/** What the recorder reports to the runner's live state. */
export interface RecorderHooks {
  publish(event: { type: string; batch_id: string; data: unknown }): void;
  onStepStart(data: StepStartData): void;
  onStepEnd(result: StepResult): void;
  /** A step set the unit's serial (after it is stored). */
  onSerial?(data: SerialSet): void;
  /** Why the run was aborted, if it was; read when the run ends. */
  abortCause(): AbortCause | undefined;
  /**
   * The store refused a write (a full disk). Called once; the recorder writes nothing more for this
   * execution and leaves its end to the runner, which aborts the run so cleanup steps still happen.
   */
  onStoreError(err: unknown): void;
}

/**
 * The status reason and error an ended run is stored with. A run the operator aborted keeps the engine's
 * `ABORTED: ...`; one ended by anything else says what ended it first, so the two never read alike.
 */
export function endOf(
  o: SequenceOutcome,
  cause: AbortCause | undefined,
): { statusReason: StatusReason | null; error: string | null } {
  const error = errorText(o.error);
  if (!cause || o.status !== 'stopped') return { statusReason: null, error };
  if (cause.reason === 'ABORTED') return { statusReason: 'ABORTED', error };
  return { statusReason: cause.reason, error: error ? `${cause.message} (${error})` : cause.message };
}

/**
 * `code: message` as the store's `error` column and the SPEC StepResult `error` carry it, scrubbed of the
 * secrets this runner holds (a step or driver may put one in its error).
 */
export function errorText(error: { code: string; message: string } | undefined): string | null {
  return error ? redactText(`${error.code}: ${error.message}`) : null;
}

function toMeasurements(r: StepResult): MeasurementInput[] {
  return r.result.measurements.map((m) => ({
    name: m.name,
    // A measured text and a step's return value are stored, served and synced: no held secret in them.
    value: typeof m.value === 'string' ? redactText(m.value) : m.value,
    unit: m.unit ?? null,
    low: m.low ?? null,
    high: m.high ?? null,
    equals: m.equals ?? null,
    pass: m.pass,
  }));
}

/** A step as SPEC §4 StepResult, the same shape `GET /api/results/:id` answers. */
export function toStepShape(r: StepResult): StepResultShape {
  return {
    name: r.name,
    order: r.order,
    status: r.status,
    pass: r.pass,
    startedAt: r.startedAt ?? null,
    completedAt: r.completedAt ?? null,
    duration: r.duration ?? null,
    result: redactJson(r.result.value ?? null),
    error: errorText(r.error),
    measurements: toMeasurements(r).map((m) => ({ ...m, unit: m.unit ?? null })),
  };
}

/** Builds the sink that records one execution into the store and onto the event bus. */
export function createRecorder(
  store: Store,
  batchId: string,
  executionId: string,
  hooks: RecorderHooks,
): SequenceSink {
  const event = (type: string, data: unknown) => hooks.publish({ type, batch_id: batchId, data });
  let failed = false;
  // Prompts are asked by the step that runs, whose order `onStepStart` gave.
  let stepOrder = 0;
  // A result with a step missing in the middle would look whole; after one failed write, write no more.
  const write = (fn: () => void): boolean => {
    if (failed) return false;
    try {
      fn();
      return true;
    } catch (err) {
      failed = true;
      hooks.onStoreError(err);
      return false;
    }
  };
  return {
    onSequenceStart(s: SequenceStart) {
      event('sequence_start', {
        executionId,
        sequenceName: s.sequenceName,
        sequenceVersion: s.sequenceVersion,
        startedAt: s.startedAt,
        totalSteps: s.steps.length,
        dut: s.dut,
      });
    },
    onSerial(data: SerialSet) {
      write(() => store.setExecutionSerial(executionId, data.serialNumber, data.step));
      hooks.onSerial?.(data);
    },
    onStepStart(data) {
      // The step in flight is on record before it runs: a runner killed now leaves a `running` row that
      // the supervisor turns into `failed` with the crash, instead of no row at all.
      stepOrder = data.index;
      write(() => store.markStepRunning(executionId, data.index));
      event('step_start', data);
      hooks.onStepStart(data);
    },
    onLog(data: LogData) {
      event('log', data);
    },
    onError(data: ErrorData) {
      event('error', data);
    },
    onPrompt(p: OperatorPrompt) {
      const { id, kind, message, step, openedAt, deadline, executionId: _e, ...spec } = p;
      write(() =>
        store.openPrompt({
          id,
          executionId,
          stepOrder,
          stepName: step,
          kind,
          message,
          spec,
          openedAt,
          deadline,
        }),
      );
      event('operator_prompt', p);
    },
    onPromptClosed(c: PromptClosed) {
      // A typed answer is stored, served and synced like a measured text: no held secret in it.
      const answer = typeof c.answer === 'string' ? redactText(c.answer) : c.answer;
      const closed: PromptClosed = { ...c, ...(answer === undefined ? {} : { answer }) };
      write(() =>
        store.closePrompt(c.id, {
          status: c.status,
          answer: answer ?? null,
          answeredBy: c.answeredBy ?? null,
          closedAt: c.closedAt,
        }),
      );
      event('operator_prompt_closed', closed);
    },
    onStepEnd(r) {
      write(() =>
        store.recordStep(
          executionId,
          {
            name: r.name,
            order: r.order,
            status: r.status,
            pass: r.pass,
            startedAt: r.startedAt ?? null,
            completedAt: r.completedAt ?? null,
            duration: r.duration ?? null,
            attempts: r.result.attempts,
            result: redactJson(r.result.value ?? null) as never,
            error: errorText(r.error),
          },
          toMeasurements(r),
        ),
      );
      if (r.status !== 'skipped') {
        const data = stepCompleteData(r);
        event('step_complete', {
          ...data,
          status: r.status,
          error: errorText(r.error),
          measurements: toMeasurements(r),
        });
      }
      hooks.onStepEnd(r);
    },
    onSequenceEnd(o: SequenceOutcome) {
      const end = endOf(o, hooks.abortCause());
      const finished = write(() =>
        store.finishExecution(executionId, {
          status: o.status,
          overallPass: o.overallPass,
          completedAt: o.completedAt,
          duration: o.duration,
          error: end.error,
          statusReason: end.statusReason,
        }),
      );
      // Not recorded: the runner reports this end itself, as the error it is.
      if (!finished) return;
      event('sequence_complete', {
        executionId,
        overallPass: o.overallPass,
        duration: o.duration,
        status: o.status,
        statusReason: end.statusReason,
        steps: o.steps.map(toStepShape),
        verdict: verdictOf({ status: o.status, statusReason: end.statusReason, overallPass: o.overallPass }),
        dut: o.dut,
      });
    },
  };
}
