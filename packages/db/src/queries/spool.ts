// The spool of a batch host and its replay on the station (docs/architecture.md, "Batches on other
// machines"). A remote runner's store writes each go into the host's store together with a record of the
// query and its arguments (`spoolingStore`); the host delivers the records in order and deletes them once
// the station acknowledges them. The station applies each record of an execution exactly once and in
// order: `remote_deliveries` keeps the last `seq` applied, in the transaction of the write itself, so a
// redelivery is acknowledged without being written again and a record that overtook an earlier one waits.

import { Value } from '@sinclair/typebox/value';
import type { SpoolAck, SpoolOp, SpoolOutcome, SpoolRecord } from '@station/model';
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { describeError, StoreError, sqliteCode } from '../errors.ts';
import { type StoreHandle, writeTransaction } from '../handle.ts';
import { type JsonValue, remoteDeliveries, spoolRecords, spoolStreams } from '../schema.ts';
import { toIso } from '../time.ts';
import { createExecution, finishExecution, setExecutionSerial } from './executions.ts';
import { markInterrupted } from './interrupt.ts';
import { closePrompt, openPrompt } from './prompts.ts';
import { recordRecovery } from './recovery.ts';
import { resumeExecution } from './resume.ts';
import { SPOOL_ARGS, type SpoolArgs } from './spool-args.ts';
import { markStepRunning, recordStep } from './steps.ts';

/**
 * Appends one write to the spool as the `seq`-th of its execution. Call inside the write's own
 * transaction (`spoolingStore` does), so the write and its record commit together or not at all.
 */
export function spoolAppend(
  store: StoreHandle,
  record: { executionId: string; batchId: string; op: SpoolOp; args: JsonValue[] },
): number {
  const seq =
    store.db
      .insert(spoolStreams)
      .values({ executionId: record.executionId, lastSeq: 1 })
      .onConflictDoUpdate({
        target: spoolStreams.executionId,
        set: { lastSeq: sql`${spoolStreams.lastSeq} + 1` },
      })
      .returning({ seq: spoolStreams.lastSeq })
      .get()?.seq ?? 1;
  store.db
    .insert(spoolRecords)
    .values({ ...record, seq, createdAt: new Date().toISOString() })
    .run();
  return seq;
}

/** The oldest `limit` records not yet acknowledged, in the order they were written. */
export function spoolPending(store: StoreHandle, limit = 200): SpoolRecord[] {
  return store.db
    .select({
      executionId: spoolRecords.executionId,
      batchId: spoolRecords.batchId,
      seq: spoolRecords.seq,
      op: spoolRecords.op,
      args: spoolRecords.args,
    })
    .from(spoolRecords)
    .orderBy(asc(spoolRecords.id))
    .limit(limit)
    .all()
    .flatMap((r) => (isSpoolOp(r.op) ? [{ ...r, op: r.op }] : []));
}

/** How many records of `batchId` (or of every batch) wait for the station's acknowledgement. */
export function spoolCount(store: StoreHandle, batchId?: string): number {
  const q = store.db.select({ n: sql<number>`count(*)` }).from(spoolRecords);
  return (batchId === undefined ? q : q.where(eq(spoolRecords.batchId, batchId))).get()?.n ?? 0;
}

/** Deletes the records the station acknowledged: each named one and those before it of its execution. */
export function spoolAcknowledge(
  store: StoreHandle,
  acked: readonly { executionId: string; seq: number }[],
): number {
  if (acked.length === 0) return 0;
  return writeTransaction(store, () => {
    let n = 0;
    for (const a of acked) {
      n += store.db
        .delete(spoolRecords)
        .where(and(eq(spoolRecords.executionId, a.executionId), lte(spoolRecords.seq, a.seq)))
        .returning({ id: spoolRecords.id })
        .all().length;
    }
    return n;
  });
}

function isSpoolOp(op: string): op is SpoolOp {
  return Object.hasOwn(REPLAY, op);
}

// Each query's checked arguments (SPOOL_ARGS); each query checks its values again (statuses, times,
// orders) as it does for a local runner.
const REPLAY: { [Op in SpoolOp]: (store: StoreHandle, a: SpoolArgs<Op>) => unknown } = {
  createExecution: (s, [input]) => createExecution(s, input),
  markStepRunning: (s, [id, order, at]) => markStepRunning(s, id, order, at),
  recordStep: (s, [id, step, ms, opts]) => recordStep(s, id, step, ms, opts),
  setExecutionSerial: (s, [id, serial, step]) => setExecutionSerial(s, id, serial, step),
  openPrompt: (s, [p]) => openPrompt(s, p),
  closePrompt: (s, [id, close]) => closePrompt(s, id, close),
  finishExecution: (s, [id, outcome]) => finishExecution(s, id, outcome),
  markInterrupted: (s, [id, status, why, at, options]) => markInterrupted(s, id, status, why, at, options),
  recordRecovery: (s, [id, record]) => recordRecovery(s, id, record),
  resumeExecution: (s, [id, from, record]) => resumeExecution(s, id, from, record),
};

/**
 * Replays one record's query, once its arguments are what `spoolingStore` writes for it; otherwise
 * INVALID_ARGUMENT naming the first field that is not (the record is refused, the delivery goes on).
 */
function replay<Op extends SpoolOp>(store: StoreHandle, op: Op, args: JsonValue[]): unknown {
  const schema = SPOOL_ARGS[op];
  if (!Value.Check(schema, args)) {
    const first = Value.Errors(schema, args).First();
    throw new StoreError(
      'INVALID_ARGUMENT',
      `arguments of ${op} at ${first?.path || '/'}: ${first?.message ?? 'not as spooled'}`,
    );
  }
  return REPLAY[op](store, args);
}

/** Failures that say nothing about the record (the store is busy or full): the whole delivery is retried. */
function isTransient(err: unknown): boolean {
  const code = sqliteCode(err);
  if (code?.startsWith('SQLITE_BUSY') || code === 'SQLITE_FULL') return true;
  return err instanceof StoreError && (err.code === 'BUSY' || err.code === 'CLOSED');
}

/**
 * Applies delivered records from batch host `host`, in one transaction: each record exactly once and in
 * its execution's order. A record already applied is a `duplicate`; one whose predecessor has not arrived
 * is `early` (not acknowledged; the host sends it again after the missing one). A record its query
 * refuses (a step of an execution the station already ended after a crash) is `refused` and acknowledged,
 * as the same write of a local runner would change nothing. A busy or full store throws: nothing of the
 * delivery is kept and the host sends it again.
 */
export function applySpooled(store: StoreHandle, host: string, records: readonly SpoolRecord[]): SpoolAck {
  const now = toIso(new Date());
  return writeTransaction(store, () => {
    const next = new Map<string, number>();
    const outcomes: SpoolAck['outcomes'] = [];
    for (const r of records) {
      const expected =
        next.get(r.executionId) ??
        (store.db
          .select({ last: remoteDeliveries.lastSeq })
          .from(remoteDeliveries)
          .where(eq(remoteDeliveries.executionId, r.executionId))
          .get()?.last ?? 0) + 1;
      next.set(r.executionId, expected);
      const out = (outcome: SpoolOutcome, message?: string) =>
        outcomes.push({ executionId: r.executionId, seq: r.seq, outcome, ...(message ? { message } : {}) });
      if (r.seq < expected) {
        out('duplicate');
        continue;
      }
      if (r.seq > expected) {
        out('early', `record ${r.seq} of ${r.executionId} came before record ${expected}`);
        continue;
      }
      let refused: string | undefined;
      try {
        // A savepoint: a refused query leaves nothing behind, and the delivery goes on.
        writeTransaction(store, () => replay(store, r.op, r.args));
      } catch (err) {
        if (isTransient(err)) throw err;
        refused = `${r.op}: ${describeError(err)}`;
      }
      // Refused before its execution exists (its createExecution was refused): nothing to key the mark on.
      if (refused !== undefined && r.seq === 1) {
        out('refused', refused);
        continue;
      }
      store.db
        .insert(remoteDeliveries)
        .values({ executionId: r.executionId, host, lastSeq: r.seq, appliedAt: now })
        .onConflictDoUpdate({ target: remoteDeliveries.executionId, set: { lastSeq: r.seq, appliedAt: now } })
        .run();
      next.set(r.executionId, r.seq + 1);
      out(refused === undefined ? 'applied' : 'refused', refused);
    }
    return { outcomes };
  });
}
