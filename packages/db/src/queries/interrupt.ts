// The supervisor's clean-up of executions a runner left `running` (it crashed, hung and was killed, or was
// stopped before it could write its end). Steps already finished are kept; the execution gets its final
// state and joins the outbox in the same transaction, like a normal finish.
import { and, eq, inArray } from 'drizzle-orm';
import { StoreError } from '../errors.ts';
import { type StoreHandle, writeTransaction } from '../handle.ts';
import {
  executions,
  resumableExecutions,
  STATUS_REASONS,
  type StatusReason,
  stepResults,
} from '../schema.ts';
import { secondsBetween, type TimeInput, toIso } from '../time.ts';
import { enqueueExecutionSync } from './outbox.ts';

/** Which running executions to mark: one by id, or every one of a batch. */
export type InterruptTarget = string | { batchId: string };

/** Why the executions ended: the reason stored in `status_reason`, and the message kept as `error`. */
export interface Interruption {
  reason: StatusReason;
  message: string;
}

/** Options of `markInterrupted`. */
export interface InterruptOptions {
  /**
   * A crash (`failed`) of a resumable execution (see `resumableExecutions`) holds it instead of ending it:
   * it stays `running` with the reason and message, its steps as they are, and is not queued for sync, so
   * the batch's next runner can resume it (or close it with `markInterrupted` without this option).
   */
  holdResumable?: boolean;
}

/**
 * Marks running executions as `failed` (crash) or `stopped` (stop) with the interruption's reason and
 * message, ends their unfinished steps (the one in flight `failed` with the message, the ones never
 * reached `skipped`), and queues them for sync, all in one transaction. Returns the ids it changed;
 * executions that already ended are left untouched, so calling it twice is harmless. An execution held
 * after a crash keeps that crash's reason and message when it is ended (or held again).
 */
export function markInterrupted(
  store: StoreHandle,
  target: InterruptTarget,
  status: 'failed' | 'stopped',
  interruption: Interruption,
  now: TimeInput = new Date(),
  options: InterruptOptions = {},
): string[] {
  if (status !== 'failed' && status !== 'stopped') {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `markInterrupted: status must be failed or stopped, got ${String(status)}`,
    );
  }
  if (!STATUS_REASONS.includes(interruption.reason)) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `markInterrupted: reason must be one of ${STATUS_REASONS.join(', ')}, got ${String(interruption.reason)}`,
    );
  }
  const { reason, message } = interruption;
  const completedAt = toIso(now, 'now');
  return writeTransaction(store, (tx) => {
    const which =
      typeof target === 'string' ? eq(executions.id, target) : eq(executions.batchId, target.batchId);
    const running = tx
      .select({
        id: executions.id,
        startedAt: executions.startedAt,
        heldFor: executions.statusReason,
        heldError: executions.error,
        resumable: resumableExecutions.executionId,
      })
      .from(executions)
      .leftJoin(resumableExecutions, eq(resumableExecutions.executionId, executions.id))
      .where(and(which, eq(executions.status, 'running')))
      .all();
    for (const execution of running) {
      // Held after an earlier crash: that crash is what cut the run off, whoever ends it now.
      const held = execution.heldFor !== null;
      if (options.holdResumable && status === 'failed' && execution.resumable !== null) {
        if (!held) {
          tx.update(executions)
            .set({ error: message, statusReason: reason })
            .where(eq(executions.id, execution.id))
            .run();
        }
        continue;
      }
      tx.update(executions)
        .set({
          status: held ? 'failed' : status,
          overallPass: false,
          completedAt,
          duration: secondsBetween(execution.startedAt, completedAt),
          error: held ? execution.heldError : message,
          statusReason: held ? execution.heldFor : reason,
        })
        .where(eq(executions.id, execution.id))
        .run();
      // The step in flight died with its runner; steps never reached stay visible as skipped.
      const inFlight = tx
        .select({ id: stepResults.id, startedAt: stepResults.startedAt })
        .from(stepResults)
        .where(and(eq(stepResults.executionId, execution.id), eq(stepResults.status, 'running')))
        .all();
      for (const step of inFlight) {
        tx.update(stepResults)
          .set({
            status: 'failed',
            pass: false,
            completedAt,
            duration: step.startedAt === null ? null : secondsBetween(step.startedAt, completedAt),
            error: held ? execution.heldError : message,
          })
          .where(eq(stepResults.id, step.id))
          .run();
      }
      tx.update(stepResults)
        .set({ status: 'skipped', pass: false })
        .where(and(eq(stepResults.executionId, execution.id), inArray(stepResults.status, ['pending'])))
        .run();
      enqueueExecutionSync(store, execution.id, completedAt);
    }
    return running.map((e) => e.id);
  });
}
