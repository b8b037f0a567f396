// The recovery of a batch after a run was cut off: which execution still waits for one, and its record.
import { desc, eq } from 'drizzle-orm';
import { StoreError } from '../errors.ts';
import type { StoreHandle } from '../handle.ts';
import { executions, type RecoveryRecord, recoveries, type StatusReason } from '../schema.ts';

/** The ends that leave hardware as the crash found it: the runner did not reach its safe state. */
export const RECOVERY_REASONS: readonly StatusReason[] = [
  'BATCH_CRASHED',
  'BATCH_LOST',
  'RESOURCE_LIMIT',
  'INTERRUPTED',
];

/** An execution cut off by a crash whose batch has not been recovered since. */
export interface PendingRecovery {
  id: string;
  parameters: Record<string, unknown>;
  statusReason: StatusReason;
  /** The recovery that ran and failed, not yet acknowledged (the batch stays refused). */
  failed?: RecoveryRecord;
}

/**
 * The batch's latest execution when it was cut off (status reason in RECOVERY_REASONS) and has no passed
 * or acknowledged recovery; undefined when the batch's hardware is known to be safe.
 */
export function executionToRecover(store: StoreHandle, batchId: string): PendingRecovery | undefined {
  const latest = store.db
    .select({
      id: executions.id,
      status: executions.status,
      parameters: executions.parameters,
      statusReason: executions.statusReason,
      recovery: recoveries.record,
    })
    .from(executions)
    .leftJoin(recoveries, eq(recoveries.executionId, executions.id))
    .where(eq(executions.batchId, batchId))
    .orderBy(desc(executions.startedAt), desc(executions.id))
    .limit(1)
    .get();
  if (!latest || latest.status === 'running') return undefined;
  if (!latest.statusReason || !RECOVERY_REASONS.includes(latest.statusReason)) return undefined;
  // A resume record is of an earlier cut: the run went on and was cut off again.
  const done = latest.recovery?.kind === 'resume' ? undefined : latest.recovery;
  if (done && (done.passed || done.acknowledgedAt)) return undefined;
  return {
    id: latest.id,
    parameters: latest.parameters,
    statusReason: latest.statusReason,
    ...(done ? { failed: done } : {}),
  };
}

/** The recovery recorded on an execution, if one ran. */
export function getRecovery(store: StoreHandle, executionId: string): RecoveryRecord | undefined {
  return store.db
    .select({ record: recoveries.record })
    .from(recoveries)
    .where(eq(recoveries.executionId, executionId))
    .get()?.record;
}

/**
 * Stores (or replaces) the recovery of an execution cut off by a crash, keeping a resume record it
 * replaces in `earlier`; NOT_FOUND when there is no such execution.
 */
export function recordRecovery(store: StoreHandle, executionId: string, record: RecoveryRecord): void {
  const execution = store.db
    .select({ batchId: executions.batchId, statusReason: executions.statusReason })
    .from(executions)
    .where(eq(executions.id, executionId))
    .get();
  if (!execution?.statusReason || !RECOVERY_REASONS.includes(execution.statusReason)) {
    throw new StoreError('NOT_FOUND', `no cut-off execution ${executionId} to record a recovery on`);
  }
  const before = getRecovery(store, executionId);
  const kept = before?.kind === 'resume' ? withEarlier(record, before) : record;
  store.db
    .insert(recoveries)
    .values({ executionId, batchId: execution.batchId, record: kept })
    .onConflictDoUpdate({ target: recoveries.executionId, set: { record: kept } })
    .run();
}

/** `record` with the one it replaces (and that one's history) kept in `earlier`, oldest first. */
export function withEarlier(record: RecoveryRecord, before: RecoveryRecord | undefined): RecoveryRecord {
  if (!before) return record;
  const { earlier = [], ...previous } = before;
  return { ...record, earlier: [...earlier, previous] };
}
