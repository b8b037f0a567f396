// The runner's writes to `executions`: create at start, finish at the end. Finishing and queueing the
// execution for sync happen in one transaction, so a finished result is never left out of the outbox.
import { and, asc, eq } from 'drizzle-orm';
import { describeError, StoreError } from '../errors.ts';
import { type StoreHandle, writeTransaction } from '../handle.ts';
import { newExecutionId } from '../ids.ts';
import { bind, flag, jsonText, prepared } from '../prepared.ts';
import {
  type ExecutionRow,
  type ExecutionStatus,
  executions,
  type JsonValue,
  resumableExecutions,
  type StatusReason,
  stepResults,
} from '../schema.ts';
import { secondsBetween, type TimeInput, toIso } from '../time.ts';
import { enqueueExecutionSync } from './outbox.ts';

const statements = (store: StoreHandle) =>
  prepared(store, 'executions', (db) => ({
    insert: db
      .insert(executions)
      .values({
        id: bind('id'),
        batchId: bind('batchId'),
        sequenceName: bind('sequenceName'),
        sequenceVersion: bind('sequenceVersion'),
        packageHash: bind('packageHash'),
        status: 'running',
        parameters: bind('parameters'),
        startedAt: bind('startedAt'),
        operator: bind('operator'),
        serialNumber: bind('serialNumber'),
        partNumber: bind('partNumber'),
        revision: bind('revision'),
        lot: bind('lot'),
      })
      .returning()
      .prepare(),
    pendingStep: db
      .insert(stepResults)
      .values({
        executionId: bind('executionId'),
        name: bind('name'),
        stepOrder: bind('order'),
        status: 'pending',
      })
      .prepare(),
    // A step the run never reported (it cannot happen through runSequence, which reports every step):
    // a final execution must not reach the Backend with a step still pending.
    skipPending: db
      .update(stepResults)
      .set({ status: 'skipped', pass: false })
      .where(and(eq(stepResults.executionId, bind('id')), eq(stepResults.status, 'pending')))
      .prepare(),
    runningStart: db
      .select({ startedAt: executions.startedAt })
      .from(executions)
      .where(and(eq(executions.id, bind('id')), eq(executions.status, 'running')))
      .prepare(),
    setSerial: db
      .update(executions)
      .set({ serialNumber: bind('serialNumber'), serialSourceStep: bind('step') })
      .where(and(eq(executions.id, bind('id')), eq(executions.status, 'running')))
      .returning({ id: executions.id })
      .prepare(),
    finish: db
      .update(executions)
      .set({
        status: bind('status'),
        overallPass: bind('overallPass'),
        completedAt: bind('completedAt'),
        duration: bind('duration'),
        error: bind('error'),
        statusReason: bind('statusReason'),
      })
      .where(eq(executions.id, bind('id')))
      .prepare(),
  }));

/** What the runner knows when a sequence starts. */
export interface NewExecution {
  /** Defaults to a fresh newExecutionId(). */
  id?: string;
  batchId: string;
  sequenceName: string;
  sequenceVersion: string;
  /** Content hash of the sequence package that ran. */
  packageHash: string;
  parameters?: Record<string, JsonValue>;
  /** Defaults to now. */
  startedAt?: TimeInput;
  /**
   * The manifest's step names in order. Each gets a `pending` row now, so whoever ends the execution
   * (the runner, or the supervisor after a crash) knows every step the run should have had.
   */
  steps?: readonly string[];
  /** Who started it (operator id or token subject); null when nobody identified themselves. */
  operator?: string | null;
  /** The unit under test as the start named it; absent fields are stored as null. */
  dut?: DutInput | null;
  /** The package resumes after a crash (`resume: after_last_completed`): see `resumableExecutions`. */
  resumable?: boolean;
}

/** The unit under test as a start (or a step) identifies it. */
export interface DutInput {
  serialNumber?: string | null;
  partNumber?: string | null;
  revision?: string | null;
  lot?: string | null;
}

/** Final states an execution can be put in. */
export type FinalExecutionStatus = Exclude<ExecutionStatus, 'running'>;

/** The statuses finishExecution accepts. */
export const FINAL_STATUSES: readonly FinalExecutionStatus[] = ['completed', 'failed', 'stopped'];

/** How an execution ended. */
export interface ExecutionOutcome {
  status: FinalExecutionStatus;
  overallPass: boolean;
  /** Defaults to now. */
  completedAt?: TimeInput;
  /** Seconds; defaults to completedAt - startedAt. */
  duration?: number;
  /** Why it ended abnormally. */
  error?: string | null;
  /** Who or what ended it early; null (the default) when it ran to its end. */
  statusReason?: StatusReason | null;
}

/**
 * Inserts an execution in status `running`, with a `pending` row per step when `steps` is given (one
 * transaction), and returns the stored execution row.
 */
export function createExecution(store: StoreHandle, input: NewExecution): ExecutionRow {
  const id = input.id ?? newExecutionId();
  const startedAt = toIso(input.startedAt ?? new Date(), 'startedAt');
  const q = statements(store);
  try {
    return writeTransaction(store, () => {
      const row = q.insert.get({
        id,
        batchId: input.batchId,
        sequenceName: input.sequenceName,
        sequenceVersion: input.sequenceVersion,
        packageHash: input.packageHash,
        parameters: jsonText(input.parameters ?? {}),
        startedAt,
        operator: input.operator ?? null,
        serialNumber: input.dut?.serialNumber ?? null,
        partNumber: input.dut?.partNumber ?? null,
        revision: input.dut?.revision ?? null,
        lot: input.dut?.lot ?? null,
      });
      if (!row) throw new Error('the insert returned no row');
      for (const [order, name] of (input.steps ?? []).entries()) {
        q.pendingStep.run({ executionId: id, name, order });
      }
      if (input.resumable) store.db.insert(resumableExecutions).values({ executionId: id }).run();
      return row;
    });
  } catch (err) {
    throw new StoreError('QUERY_FAILED', `cannot create execution ${id}: ${describeError(err)}`, {
      cause: err,
    });
  }
}

/**
 * Ends a running execution and queues it for sync, atomically. Returns false (and changes nothing) when
 * the execution is not running any more: the first final state wins, e.g. the supervisor's crash mark.
 */
export function finishExecution(store: StoreHandle, id: string, outcome: ExecutionOutcome): boolean {
  if (!FINAL_STATUSES.includes(outcome.status)) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `finishExecution(${id}): status must be one of ${FINAL_STATUSES.join(', ')}`,
    );
  }
  const completedAt = toIso(outcome.completedAt ?? new Date(), 'completedAt');
  const q = statements(store);
  return writeTransaction(store, () => {
    const current = q.runningStart.get({ id });
    if (!current) return false;
    q.finish.run({
      id,
      status: outcome.status,
      overallPass: flag(outcome.overallPass),
      completedAt,
      duration: outcome.duration ?? secondsBetween(current.startedAt, completedAt),
      error: outcome.error ?? null,
      statusReason: outcome.statusReason ?? null,
    });
    q.skipPending.run({ id });
    enqueueExecutionSync(store, id, completedAt);
    return true;
  });
}

/**
 * Records the serial number a step read from the unit itself, and which step it was. Only a running
 * execution takes it (false otherwise): a finished result is evidence and does not change.
 */
export function setExecutionSerial(
  store: StoreHandle,
  id: string,
  serialNumber: string,
  step: string,
): boolean {
  return statements(store).setSerial.all({ id, serialNumber, step }).length > 0;
}

/** Executions still marked `running`, oldest first, optionally of one batch only. */
export function runningExecutions(store: StoreHandle, batchId?: string): ExecutionRow[] {
  const running = eq(executions.status, 'running');
  return store.db
    .select()
    .from(executions)
    .where(batchId === undefined ? running : and(running, eq(executions.batchId, batchId)))
    .orderBy(asc(executions.startedAt), asc(executions.id))
    .all();
}

/** One execution row without its steps, or undefined. */
export function getExecution(store: StoreHandle, id: string): ExecutionRow | undefined {
  return store.db.select().from(executions).where(eq(executions.id, id)).get();
}
