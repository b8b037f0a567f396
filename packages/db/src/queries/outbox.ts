// Putting an execution into the sync outbox. Only ever called inside the transaction that gives the
// execution its final state (finishExecution, markInterrupted), which is the outbox pattern's guarantee.
import type { StationTx } from '../handle.ts';
import { syncQueue } from '../schema.ts';

/** Queues one execution for sync; a second call for the same execution leaves the first row as it is. */
export function enqueueExecutionSync(tx: StationTx, executionId: string, nowIso: string): void {
  tx.insert(syncQueue)
    .values({
      kind: 'execution',
      entityId: executionId,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: nowIso,
      createdAt: nowIso,
      updatedAt: nowIso,
    })
    .onConflictDoNothing({ target: [syncQueue.kind, syncQueue.entityId] })
    .run();
}
