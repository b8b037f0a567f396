// Recording what happened to a send: synced (the Backend has it), retry later, or rejected for good.
// Retry and reject only touch a row still in flight (and, given an agentId, still claimed by that agent),
// so an agent whose lease expired cannot undo the claim of the agent that took the row over.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type StoreHandle, writeTransaction } from '../handle.ts';
import { bind, prepared } from '../prepared.ts';
import { executions, syncQueue } from '../schema.ts';
import { type TimeInput, toIso } from '../time.ts';

const statements = (store: StoreHandle) =>
  prepared(store, 'sync-mark', (db) => {
    // Still in flight, and still this agent's when an agentId is given.
    const stillClaimed = and(
      eq(syncQueue.id, bind('id')),
      eq(syncQueue.status, 'in_flight'),
      sql`(${bind('agentId')} IS NULL OR ${syncQueue.claimedBy} = ${bind('agentId')})`,
    );
    return {
      row: db
        .select({ kind: syncQueue.kind, entityId: syncQueue.entityId, status: syncQueue.status })
        .from(syncQueue)
        .where(eq(syncQueue.id, bind('id')))
        .prepare(),
      done: db
        .update(syncQueue)
        .set({ status: 'done', doneAt: bind('at'), updatedAt: bind('at'), leaseUntil: null, lastError: null })
        .where(eq(syncQueue.id, bind('id')))
        .prepare(),
      synced: db
        .update(executions)
        .set({ syncedAt: bind('at') })
        .where(eq(executions.id, bind('id')))
        .prepare(),
      retry: db
        .update(syncQueue)
        .set({
          status: 'pending',
          nextAttemptAt: bind('next'),
          lastError: bind('error'),
          lastStatus: bind('status'),
          claimedBy: null,
          leaseUntil: null,
          updatedAt: bind('at'),
        })
        .where(stillClaimed)
        .returning({ id: syncQueue.id })
        .prepare(),
      reject: db
        .update(syncQueue)
        .set({
          status: 'rejected',
          lastError: bind('error'),
          lastStatus: bind('status'),
          claimedBy: null,
          leaseUntil: null,
          updatedAt: bind('at'),
        })
        .where(stillClaimed)
        .returning({ id: syncQueue.id })
        .prepare(),
    };
  });

/** Why a send will be tried again, and when. */
export interface RetryOutcome {
  error: string;
  /** HTTP status of the answer; omitted for timeouts and network errors. */
  status?: number | null;
  nextAttemptAt: TimeInput;
  /** When given, the row must still be claimed by this agent. */
  agentId?: string;
  /** Default: now. */
  now?: TimeInput;
}

/** Why the Backend refused an item for good. */
export interface RejectOutcome {
  error: string;
  status: number | null;
  agentId?: string;
  now?: TimeInput;
}

/**
 * Marks a row done and sets its execution's `synced_at`, in one transaction. Works from any state (a
 * delivery the Backend confirmed is final); returns false when the row is unknown or already done.
 */
export function markSynced(store: StoreHandle, id: number, now: TimeInput = new Date()): boolean {
  const at = toIso(now, 'now');
  const q = statements(store);
  return writeTransaction(store, () => {
    const row = q.row.get({ id });
    if (!row || row.status === 'done') return false;
    q.done.run({ id, at });
    if (row.kind === 'execution') q.synced.run({ id: row.entityId, at });
    return true;
  });
}

/** Puts an in-flight row back to `pending` until `nextAttemptAt`, keeping the error. */
export function markRetry(store: StoreHandle, id: number, outcome: RetryOutcome): boolean {
  const params = {
    id,
    agentId: outcome.agentId ?? null,
    at: toIso(outcome.now ?? new Date(), 'now'),
    next: toIso(outcome.nextAttemptAt, 'nextAttemptAt'),
    error: outcome.error,
    status: outcome.status ?? null,
  };
  return writeTransaction(store, () => statements(store).retry.all(params).length > 0);
}

/** Parks an in-flight row as `rejected` with the Backend's answer; only requeueRejected revives it. */
export function markRejected(store: StoreHandle, id: number, outcome: RejectOutcome): boolean {
  const params = {
    id,
    agentId: outcome.agentId ?? null,
    at: toIso(outcome.now ?? new Date(), 'now'),
    error: outcome.error,
    status: outcome.status,
  };
  return writeTransaction(store, () => statements(store).reject.all(params).length > 0);
}

/** Which rejected rows to revive (default: all of them) and the time to stamp. */
export interface RequeueOptions {
  ids?: readonly number[];
  now?: TimeInput;
}

/** Makes rejected rows `pending` and due now (a manual "sync again"); returns how many. */
export function requeueRejected(store: StoreHandle, opts: RequeueOptions = {}): number {
  const at = toIso(opts.now ?? new Date(), 'now');
  const rejected = eq(syncQueue.status, 'rejected');
  const where = opts.ids === undefined ? rejected : and(rejected, inArray(syncQueue.id, [...opts.ids]));
  return writeTransaction(
    store,
    (tx) =>
      tx
        .update(syncQueue)
        .set({ status: 'pending', nextAttemptAt: at, updatedAt: at })
        .where(where)
        .returning({ id: syncQueue.id })
        .all().length,
  );
}
