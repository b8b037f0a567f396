// Resuming a run after a runner crash (`resume: after_last_completed`). The supervisor holds such an
// execution open instead of ending it (markInterrupted's holdResumable); the batch's next runner finds it
// here and either continues it (resumeExecution) or ends it as any crashed run (markInterrupted).
import { and, desc, eq, gte } from 'drizzle-orm';
import { StoreError } from '../errors.ts';
import { type StoreHandle, writeTransaction } from '../handle.ts';
import {
  executions,
  type RecoveryRecord,
  recoveries,
  resumableExecutions,
  type StatusReason,
  stepResults,
} from '../schema.ts';
import { withEarlier } from './recovery.ts';

/** An execution held open after its runner crashed, waiting for the batch's next runner. */
export interface HeldExecution {
  id: string;
  packageHash: string;
  /** What cut it off, as the supervisor recorded it. */
  statusReason: StatusReason;
  error: string | null;
}

/** The batch's execution held after a crash, if any (at most one: a batch runs one at a time). */
export function heldExecution(store: StoreHandle, batchId: string): HeldExecution | undefined {
  const row = store.db
    .select({
      id: executions.id,
      packageHash: executions.packageHash,
      statusReason: executions.statusReason,
      error: executions.error,
    })
    .from(executions)
    .innerJoin(resumableExecutions, eq(resumableExecutions.executionId, executions.id))
    .where(and(eq(executions.batchId, batchId), eq(executions.status, 'running')))
    .orderBy(desc(executions.startedAt), desc(executions.id))
    .limit(1)
    .get();
  if (!row?.statusReason) return undefined;
  return { ...row, statusReason: row.statusReason };
}

/**
 * Takes a held execution back: it is running again from step `fromOrder` (that step and any later one
 * `running` go back to `pending`; earlier steps stay as recorded), and `record` (kind `resume`) is stored
 * as its recovery, keeping any earlier record in `earlier`. NOT_FOUND unless the execution is held.
 */
export function resumeExecution(
  store: StoreHandle,
  executionId: string,
  fromOrder: number,
  record: RecoveryRecord,
): void {
  writeTransaction(store, (tx) => {
    const row = tx
      .select({ batchId: executions.batchId, statusReason: executions.statusReason })
      .from(executions)
      .innerJoin(resumableExecutions, eq(resumableExecutions.executionId, executions.id))
      .where(and(eq(executions.id, executionId), eq(executions.status, 'running')))
      .get();
    if (!row?.statusReason) {
      throw new StoreError('NOT_FOUND', `no execution ${executionId} held after a crash to resume`);
    }
    const before = tx
      .select({ record: recoveries.record })
      .from(recoveries)
      .where(eq(recoveries.executionId, executionId))
      .get()?.record;
    const kept = withEarlier(record, before);
    tx.insert(recoveries)
      .values({ executionId, batchId: row.batchId, record: kept })
      .onConflictDoUpdate({ target: recoveries.executionId, set: { record: kept } })
      .run();
    tx.update(executions)
      .set({ statusReason: null, error: null })
      .where(eq(executions.id, executionId))
      .run();
    tx.update(stepResults)
      .set({ status: 'pending', startedAt: null, pass: false })
      .where(
        and(
          eq(stepResults.executionId, executionId),
          gte(stepResults.stepOrder, fromOrder),
          eq(stepResults.status, 'running'),
        ),
      )
      .run();
  });
}
