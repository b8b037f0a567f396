// The runner's sequence sink: stores each step before it tells anyone, then publishes the SPEC §3.2 event.
// Store first, publish second: a screen may miss an event, the store never misses a result. Shared by the
// batch runner and `station run`, so a run in a terminal is recorded by the same rules. The engine already
// reports @station/model's shapes; the recorder only scrubs them of held secrets.
import type { StatusReason, Store } from '@station/db';
import { redactJson, redactText } from '@station/log';
import { type BatchEvent, type PromptClosed, type StepResult, stepComplete, verdictOf } from '@station/model';
import {
  errorText,
  type SequenceOutcome,
  type SequenceSink,
  type SerialSet,
  type StepStart,
} from './results.ts';

/** Why a run was aborted from outside: what the execution records as its status reason. */
export interface AbortCause {
  reason: StatusReason;
  /** Said in the execution's `error` when the reason is not the operator's abort. */
  message: string;
}

/** What the recorder reports to the runner's live state. */
export interface RecorderHooks {
  publish(event: BatchEvent): void;
  onStepStart(data: StepStart): void;
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
  const error = o.error ? redactText(errorText(o.error)) : null;
  if (!cause || o.status !== 'stopped') return { statusReason: null, error };
  if (cause.reason === 'ABORTED') return { statusReason: 'ABORTED', error };
  return { statusReason: cause.reason, error: error ? `${cause.message} (${error})` : cause.message };
}

/** Builds the sink that records one execution into the store and onto the event bus. */
export function createRecorder(
  store: Store,
  batchId: string,
  executionId: string,
  hooks: RecorderHooks,
): SequenceSink {
  let failed = false;
  // Prompts are asked by the step that runs, whose order `onStepStart` gave.
  let stepOrder = 0;
  // The step the last result commit already marked running (the engine's `next`).
  let marked: number | undefined;
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
    onSequenceStart(s) {
      hooks.publish({
        type: 'sequence_start',
        batch_id: batchId,
        data: {
          executionId,
          sequenceName: s.sequenceName,
          sequenceVersion: s.sequenceVersion,
          startedAt: s.startedAt,
          totalSteps: s.steps.length,
          dut: s.dut,
        },
      });
    },
    onSerial(data) {
      write(() => store.setExecutionSerial(executionId, data.serialNumber, data.step));
      hooks.onSerial?.(data);
    },
    onStepStart(data) {
      // The step in flight is on record before it runs: a runner killed now leaves a `running` row that
      // the supervisor turns into `failed` with the crash, instead of no row at all.
      stepOrder = data.index;
      // Usually marked already, and announced, with the end of the step before it (onStepEnd's `next`).
      const announced = marked === data.index;
      if (!announced) write(() => store.markStepRunning(executionId, data.index));
      marked = undefined;
      if (announced) return;
      hooks.publish({ type: 'step_start', batch_id: batchId, data });
      hooks.onStepStart(data);
    },
    onLog(data) {
      hooks.publish({ type: 'log', batch_id: batchId, data });
    },
    onError(data) {
      hooks.publish({ type: 'error', batch_id: batchId, data: redactJson(data) });
    },
    onPrompt(p) {
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
      hooks.publish({ type: 'operator_prompt', batch_id: batchId, data: p });
    },
    onPromptClosed(c) {
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
      hooks.publish({ type: 'operator_prompt_closed', batch_id: batchId, data: closed });
    },
    onStepEnd(result, next) {
      // A step's texts (its error, a measured string, its return value) are stored, served and synced:
      // no secret this runner holds may be in them.
      const step = redactJson(result);
      // The step starting next is marked running in this same commit: one commit per step, not two.
      const written = write(() =>
        store.recordStep(executionId, step, step.measurements, next ? { next: { order: next.index } } : {}),
      );
      marked = written && next ? next.index : undefined;
      if (step.status !== 'skipped') {
        hooks.publish({ type: 'step_complete', batch_id: batchId, data: stepComplete(step) });
      }
      hooks.onStepEnd(step);
      // The next step is running on record from this commit on, and the engine starts it without a turn
      // in between: its start is told now, in the same stretch of code as this step's end, so a publisher
      // that gathers a stretch's events (coalesce: 'burst') sends the three in one write (issue 18).
      if (marked !== undefined && next) {
        stepOrder = next.index;
        hooks.publish({ type: 'step_start', batch_id: batchId, data: next });
        hooks.onStepStart(next);
      }
    },
    onSequenceEnd(o) {
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
      hooks.publish({
        type: 'sequence_complete',
        batch_id: batchId,
        data: {
          executionId,
          overallPass: o.overallPass,
          duration: o.duration,
          status: o.status,
          statusReason: end.statusReason,
          steps: redactJson(o.steps),
          verdict: verdictOf({
            status: o.status,
            statusReason: end.statusReason,
            overallPass: o.overallPass,
          }),
          dut: o.dut,
        },
      });
    },
  };
}
