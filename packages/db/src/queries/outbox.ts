// Putting an execution into the sync outbox. Only ever called inside the transaction that gives the
// execution its final state (finishExecution, markInterrupted), which is the outbox pattern's guarantee.
import type { StoreHandle } from '../handle.ts';
import { bind, prepared } from '../prepared.ts';
import { syncQueue } from '../schema.ts';

const statements = (store: StoreHandle) =>
  prepared(store, 'outbox', (db) => ({
    enqueue: db
      .insert(syncQueue)
      .values({
        kind: 'execution',
        entityId: bind('entityId'),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: bind('now'),
        createdAt: bind('now'),
        updatedAt: bind('now'),
      })
      .onConflictDoNothing({ target: [syncQueue.kind, syncQueue.entityId] })
      .prepare(),
  }));

/**
 * Queues one execution for sync; a second call for the same execution leaves the first row as it is.
 * Call it inside the caller's write transaction.
 */
export function enqueueExecutionSync(store: StoreHandle, executionId: string, nowIso: string): void {
  statements(store).enqueue.run({ entityId: executionId, now: nowIso });
}
