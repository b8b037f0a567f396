import { afterEach, describe, expect, test } from 'bun:test';
import type { SyncQueueRow } from '../src/index.ts';
import { at, execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

/** A store with `n` finished executions exec_0..exec_{n-1}, queued at T0 + i seconds. */
function queued(n: number) {
  const store = scratch.store();
  for (let i = 0; i < n; i++) {
    store.createExecution(execution(`exec_${i}`, i * 1000 - 500));
    store.finishExecution(`exec_${i}`, { status: 'completed', overallPass: true, completedAt: at(i * 1000) });
  }
  return store;
}

/** The queue row of exec_i as finishExecution leaves it. */
function pendingRow(i: number): SyncQueueRow {
  return {
    id: i + 1,
    kind: 'execution',
    entityId: `exec_${i}`,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at(i * 1000),
    lastError: null,
    lastStatus: null,
    createdAt: at(i * 1000),
    updatedAt: at(i * 1000),
    claimedBy: null,
    leaseUntil: null,
    doneAt: null,
  };
}

function rowOf(store: ReturnType<Scratch['store']>, id: number): SyncQueueRow | undefined {
  return store.db.query.syncQueue.findFirst({ where: (q, { eq }) => eq(q.id, id) }).sync();
}

const NOW = at(60_000);

describe('claimSyncItems', () => {
  test('claims due items oldest first, as in-flight leases counted as attempts', () => {
    const store = queued(3);
    const claimed = store.claimSyncItems({ agentId: 'agent-a', limit: 2, leaseMs: 30_000, now: NOW });
    const lease = {
      status: 'in_flight',
      attempts: 1,
      claimedBy: 'agent-a',
      leaseUntil: at(90_000),
      updatedAt: NOW,
    } as const;
    expect(claimed).toEqual([
      { ...pendingRow(0), ...lease },
      { ...pendingRow(1), ...lease },
    ]);
    expect(rowOf(store, 3)).toEqual(pendingRow(2));
  });

  test('skips items still backing off and items leased to someone else', () => {
    const store = queued(3);
    store.claimSyncItems({ agentId: 'agent-a', limit: 1, leaseMs: 30_000, now: NOW });
    const [second] = store.claimSyncItems({ agentId: 'agent-a', limit: 1, leaseMs: 30_000, now: NOW });
    store.markRetry(second!.id, {
      error: '503 Service Unavailable',
      status: 503,
      nextAttemptAt: at(120_000),
      now: NOW,
    });
    const claimedByB = store.claimSyncItems({
      agentId: 'agent-b',
      limit: 10,
      leaseMs: 30_000,
      now: at(61_000),
    });
    expect(claimedByB.map((r) => r.entityId)).toEqual(['exec_2']);
    // Nothing left for anyone until the backoff ends or a lease expires.
    expect(store.claimSyncItems({ agentId: 'agent-b', limit: 10, leaseMs: 30_000, now: at(62_000) })).toEqual(
      [],
    );
  });

  test('takes over an item whose lease expired (its agent died) and counts another attempt', () => {
    const store = queued(1);
    store.claimSyncItems({ agentId: 'dead-agent', limit: 1, leaseMs: 30_000, now: NOW });
    expect(store.claimSyncItems({ agentId: 'agent-b', limit: 1, leaseMs: 30_000, now: at(89_999) })).toEqual(
      [],
    );
    expect(store.claimSyncItems({ agentId: 'agent-b', limit: 1, leaseMs: 30_000, now: at(90_000) })).toEqual([
      {
        ...pendingRow(0),
        status: 'in_flight',
        attempts: 2,
        claimedBy: 'agent-b',
        leaseUntil: at(120_000),
        updatedAt: at(90_000),
      },
    ]);
    // The dead agent's late answer cannot undo agent-b's claim.
    expect(
      store.markRetry(1, {
        error: 'late',
        nextAttemptAt: at(90_000),
        agentId: 'dead-agent',
        now: at(90_001),
      }),
    ).toBe(false);
    expect(rowOf(store, 1)?.claimedBy).toBe('agent-b');
  });

  test.each([[{ limit: -1, leaseMs: 1000 }], [{ limit: 1.5, leaseMs: 1000 }], [{ limit: 1, leaseMs: 0 }]])(
    'refuses %j with INVALID_ARGUMENT',
    (opts) => {
      const store = queued(1);
      expect(() => store.claimSyncItems({ agentId: 'a', now: NOW, ...opts })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    },
  );

  test('limit 0 claims nothing', () => {
    const store = queued(1);
    expect(store.claimSyncItems({ agentId: 'a', limit: 0, leaseMs: 1000, now: NOW })).toEqual([]);
  });
});

describe('marking outcomes', () => {
  test('markSynced marks the row done and sets synced_at on the execution', () => {
    const store = queued(1);
    const [item] = store.claimSyncItems({ agentId: 'agent-a', limit: 1, leaseMs: 30_000, now: NOW });
    expect(store.markSynced(item!.id, at(61_000))).toBe(true);
    expect(rowOf(store, 1)).toEqual({
      ...pendingRow(0),
      status: 'done',
      attempts: 1,
      claimedBy: 'agent-a',
      updatedAt: at(61_000),
      doneAt: at(61_000),
    });
    expect(store.getExecution('exec_0')?.syncedAt).toBe(at(61_000));
    // Done is final: a second confirmation changes nothing.
    expect(store.markSynced(item!.id, at(99_000))).toBe(false);
    expect(store.getExecution('exec_0')?.syncedAt).toBe(at(61_000));
  });

  test('markSynced of an unknown row is false', () => {
    const store = queued(0);
    expect(store.markSynced(42, NOW)).toBe(false);
  });

  test('markRetry puts the row back to pending with the error and the next attempt time', () => {
    const store = queued(1);
    store.claimSyncItems({ agentId: 'agent-a', limit: 1, leaseMs: 30_000, now: NOW });
    expect(
      store.markRetry(1, {
        error: 'timeout after 10000 ms',
        nextAttemptAt: at(65_000),
        agentId: 'agent-a',
        now: at(61_000),
      }),
    ).toBe(true);
    expect(rowOf(store, 1)).toEqual({
      ...pendingRow(0),
      attempts: 1,
      nextAttemptAt: at(65_000),
      lastError: 'timeout after 10000 ms',
      updatedAt: at(61_000),
    });
    // Only an in-flight row can be retried.
    expect(store.markRetry(1, { error: 'x', nextAttemptAt: NOW })).toBe(false);
  });

  test('markRejected parks the row with the Backend answer; claims skip it', () => {
    const store = queued(1);
    store.claimSyncItems({ agentId: 'agent-a', limit: 1, leaseMs: 30_000, now: NOW });
    expect(store.markRejected(1, { error: '422 {"error":"bad step"}', status: 422, now: at(61_000) })).toBe(
      true,
    );
    expect(rowOf(store, 1)).toEqual({
      ...pendingRow(0),
      status: 'rejected',
      attempts: 1,
      lastError: '422 {"error":"bad step"}',
      lastStatus: 422,
      updatedAt: at(61_000),
    });
    expect(store.claimSyncItems({ agentId: 'agent-a', limit: 1, leaseMs: 30_000, now: at(999_000) })).toEqual(
      [],
    );
  });

  test('requeueRejected revives rejected rows (all, or the ones named) due at once', () => {
    const store = queued(3);
    store.claimSyncItems({ agentId: 'a', limit: 3, leaseMs: 30_000, now: NOW });
    for (const id of [1, 2]) store.markRejected(id, { error: 'no', status: 400, now: NOW });
    expect(store.requeueRejected({ ids: [2], now: at(70_000) })).toBe(1);
    expect(rowOf(store, 2)).toEqual({
      ...pendingRow(1),
      attempts: 1,
      nextAttemptAt: at(70_000),
      lastError: 'no',
      lastStatus: 400,
      updatedAt: at(70_000),
    });
    expect(store.requeueRejected({ now: at(71_000) })).toBe(1);
    expect(store.requeueRejected()).toBe(0);
    expect(
      store.claimSyncItems({ agentId: 'a', limit: 10, leaseMs: 1, now: at(71_000) }).map((r) => r.id),
    ).toEqual([1, 2]);
  });

  test('releaseClaims hands an agent its in-flight rows back, due at once, and no one else’s', () => {
    const store = queued(3);
    store.claimSyncItems({ agentId: 'agent-a', limit: 2, leaseMs: 30_000, now: NOW });
    store.claimSyncItems({ agentId: 'agent-b', limit: 1, leaseMs: 30_000, now: NOW });
    expect(store.releaseClaims('agent-a', at(61_000))).toBe(2);
    expect(rowOf(store, 1)).toEqual({
      ...pendingRow(0),
      attempts: 1,
      nextAttemptAt: at(61_000),
      updatedAt: at(61_000),
    });
    expect(rowOf(store, 3)?.claimedBy).toBe('agent-b');
    expect(store.releaseClaims('agent-a', at(62_000))).toBe(0);
  });

  test('returnUnsent gives back only the named rows of that agent, without counting the claim', () => {
    const store = queued(3);
    store.claimSyncItems({ agentId: 'agent-a', limit: 2, leaseMs: 30_000, now: NOW });
    store.claimSyncItems({ agentId: 'agent-b', limit: 1, leaseMs: 30_000, now: NOW });
    expect(store.returnUnsent('agent-a', [2, 3], at(61_000))).toBe(1);
    expect(rowOf(store, 2)).toEqual({
      ...pendingRow(1),
      attempts: 0,
      nextAttemptAt: at(61_000),
      updatedAt: at(61_000),
    });
    expect(rowOf(store, 1)?.status).toBe('in_flight');
    expect(rowOf(store, 3)?.claimedBy).toBe('agent-b');
    expect(store.returnUnsent('agent-a', [], at(62_000))).toBe(0);
  });
});

describe('syncStats', () => {
  test('counts every state and reports the oldest undelivered item and the last error', () => {
    const store = queued(5);
    store.claimSyncItems({ agentId: 'a', limit: 3, leaseMs: 30_000, now: NOW });
    store.markSynced(1, at(61_000));
    store.markRejected(2, { error: '422 bad', status: 422, now: at(62_000) });
    store.markRetry(3, { error: 'ECONNREFUSED', nextAttemptAt: at(200_000), now: at(63_000) });
    store.claimSyncItems({ agentId: 'a', limit: 1, leaseMs: 30_000, now: at(64_000) });
    expect(store.syncStats(at(70_000))).toEqual({
      pending: 2,
      due: 1,
      inFlight: 1,
      rejected: 1,
      done: 1,
      oldestPendingAt: at(2_000),
      oldestPendingAgeMs: 68_000,
      lastSyncedAt: at(61_000),
      lastError: { message: 'ECONNREFUSED', status: null, at: at(63_000), entityId: 'exec_2' },
    });
  });

  test('an empty queue', () => {
    const store = queued(0);
    expect(store.syncStats(NOW)).toEqual({
      pending: 0,
      due: 0,
      inFlight: 0,
      rejected: 0,
      done: 0,
      oldestPendingAt: null,
      oldestPendingAgeMs: null,
      lastSyncedAt: null,
      lastError: null,
    });
  });
});

describe('pruneSynced', () => {
  test('forgets done rows delivered before the cutoff, oldest first, and nothing else', () => {
    const store = queued(5);
    // exec_0..2 delivered at T0+10s..12s; exec_3 rejected; exec_4 still pending.
    const claimed = store.claimSyncItems({ agentId: 'a', limit: 4, leaseMs: 60_000, now: at(9_000) });
    expect(claimed.map((r) => r.entityId)).toEqual(['exec_0', 'exec_1', 'exec_2', 'exec_3']);
    for (let i = 0; i < 3; i++) expect(store.markSynced(i + 1, at(10_000 + i * 1000))).toBe(true);
    expect(store.markRejected(4, { error: 'HTTP 422: bad', status: 422 })).toBe(true);

    // Limit 1: only the oldest delivered row goes.
    expect(store.pruneSynced(at(11_500), 1)).toBe(1);
    expect(rowOf(store, 1)).toBeUndefined();
    expect(rowOf(store, 2)?.status).toBe('done');
    // The cutoff is exclusive of rows delivered after it.
    expect(store.pruneSynced(at(11_500))).toBe(1);
    expect(rowOf(store, 2)).toBeUndefined();
    expect(rowOf(store, 3)?.status).toBe('done');
    // Later everything done goes; rejected and pending rows stay, and every execution keeps synced_at.
    expect(store.pruneSynced(at(3_600_000))).toBe(1);
    expect([rowOf(store, 4)?.status, rowOf(store, 5)?.status]).toEqual(['rejected', 'pending']);
    const synced = store.sqlite
      .query('SELECT id, synced_at FROM executions WHERE synced_at IS NOT NULL ORDER BY id')
      .all();
    expect(synced).toEqual([
      { id: 'exec_0', synced_at: at(10_000) },
      { id: 'exec_1', synced_at: at(11_000) },
      { id: 'exec_2', synced_at: at(12_000) },
    ]);
    expect(store.pruneSynced(at(3_600_000))).toBe(0);
  });
});
