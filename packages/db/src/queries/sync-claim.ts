// Claiming outbox rows for sending. A claim is a lease: the row goes `in_flight` with the agent's id and
// an expiry, so a second agent never sends it concurrently, and a row whose agent died is claimable again
// once the lease runs out.
import { and, asc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import { StoreError } from '../errors.ts';
import { type StoreHandle, writeTransaction } from '../handle.ts';
import { bind, prepared } from '../prepared.ts';
import { type SyncQueueRow, syncQueue } from '../schema.ts';
import { type TimeInput, toIso } from '../time.ts';

const statements = (store: StoreHandle) =>
  prepared(store, 'sync-claim', (db) => {
    // Due: pending and past its backoff, or in flight with a lease that ran out (its agent died).
    const due = db
      .select({ id: syncQueue.id })
      .from(syncQueue)
      .where(
        or(
          and(eq(syncQueue.status, 'pending'), lte(syncQueue.nextAttemptAt, bind('now'))),
          and(eq(syncQueue.status, 'in_flight'), lte(syncQueue.leaseUntil, bind('now'))),
        ),
      )
      .orderBy(asc(syncQueue.createdAt), asc(syncQueue.id))
      .limit(sql.placeholder('limit'));
    return {
      // One statement picks and claims, so no other writer can slip between choosing a row and taking it.
      claim: db
        .update(syncQueue)
        .set({
          status: 'in_flight',
          claimedBy: bind('agentId'),
          leaseUntil: bind('leaseUntil'),
          attempts: sql`${syncQueue.attempts} + 1`,
          updatedAt: bind('now'),
        })
        .where(inArray(syncQueue.id, due))
        .returning()
        .prepare(),
    };
  });

/** Who claims, how many, for how long. */
export interface ClaimOptions {
  /** Stable id of the claiming agent (e.g. `sync-agent:<pid>`), written to `claimed_by`. */
  agentId: string;
  limit: number;
  /** How long the claim holds before another agent may take the row over. */
  leaseMs: number;
  /** Default: now. */
  now?: TimeInput;
}

/**
 * Claims up to `limit` due rows, oldest `created_at` first: `pending` rows whose `next_attempt_at` has come
 * and `in_flight` rows whose lease expired. Each claim counts as an attempt. Returns the claimed rows.
 */
export function claimSyncItems(store: StoreHandle, opts: ClaimOptions): SyncQueueRow[] {
  if (!Number.isInteger(opts.limit) || opts.limit < 0) {
    throw new StoreError('INVALID_ARGUMENT', `limit must be a non-negative integer, got ${opts.limit}`);
  }
  if (!(opts.leaseMs > 0)) {
    throw new StoreError('INVALID_ARGUMENT', `leaseMs must be positive, got ${opts.leaseMs}`);
  }
  if (opts.limit === 0) return [];
  const nowDate = new Date(toIso(opts.now ?? new Date(), 'now'));
  const now = nowDate.toISOString();
  const leaseUntil = toIso(nowDate.getTime() + opts.leaseMs, 'leaseUntil');
  const claimed = writeTransaction(store, () =>
    statements(store).claim.all({ agentId: opts.agentId, now, leaseUntil, limit: opts.limit }),
  );
  // RETURNING gives no order guarantee; callers send in creation order.
  return claimed.sort((a, b) =>
    a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id - b.id,
  );
}

/** Gives an agent's in-flight rows back to `pending`, due at once (an agent shutting down). */
export function releaseClaims(store: StoreHandle, agentId: string, now: TimeInput = new Date()): number {
  const at = toIso(now, 'now');
  return writeTransaction(
    store,
    (tx) =>
      tx
        .update(syncQueue)
        .set({ status: 'pending', claimedBy: null, leaseUntil: null, nextAttemptAt: at, updatedAt: at })
        .where(and(eq(syncQueue.status, 'in_flight'), eq(syncQueue.claimedBy, agentId)))
        .returning({ id: syncQueue.id })
        .all().length,
  );
}

/**
 * Gives back claimed rows that were never sent (the agent held them back after the Backend pushed back):
 * pending again, due at once, and the claim's attempt taken back, so waiting behind a pause never makes a
 * row's own backoff longer. Only rows still in flight under `agentId` are touched.
 */
export function returnUnsent(
  store: StoreHandle,
  agentId: string,
  ids: readonly number[],
  now: TimeInput = new Date(),
): number {
  if (ids.length === 0) return 0;
  const at = toIso(now, 'now');
  return writeTransaction(
    store,
    (tx) =>
      tx
        .update(syncQueue)
        .set({
          status: 'pending',
          claimedBy: null,
          leaseUntil: null,
          nextAttemptAt: at,
          updatedAt: at,
          attempts: sql`max(0, ${syncQueue.attempts} - 1)`,
        })
        .where(
          and(
            eq(syncQueue.status, 'in_flight'),
            eq(syncQueue.claimedBy, agentId),
            inArray(syncQueue.id, [...ids]),
          ),
        )
        .returning({ id: syncQueue.id })
        .all().length,
  );
}
