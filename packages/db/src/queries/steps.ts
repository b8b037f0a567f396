// The runner's per-step write: the step row and its measurements in one short transaction, so a runner
// killed mid-sequence leaves every finished step complete in the store and none half-written.

import type { MeasuredValue, StepResult } from '@station/model';
import { and, eq } from 'drizzle-orm';
import { describeError, StoreError } from '../errors.ts';
import { type StoreHandle, writeTransaction } from '../handle.ts';
import { bind, excluded, flag, jsonText, prepared } from '../prepared.ts';
import { executions, type JsonValue, measurements, type StepStatus, stepResults } from '../schema.ts';
import { type TimeInput, toIso } from '../time.ts';

const statements = (store: StoreHandle) =>
  prepared(store, 'steps', (db) => {
    const columns = {
      name: bind('name'),
      status: bind('status'),
      pass: bind('pass'),
      startedAt: bind('startedAt'),
      completedAt: bind('completedAt'),
      duration: bind('duration'),
      attempts: bind('attempts'),
      result: bind('result'),
      error: bind('error'),
    };
    return {
      executionStatus: db
        .select({ status: executions.status })
        .from(executions)
        .where(eq(executions.id, bind('id')))
        .prepare(),
      upsertStep: db
        .insert(stepResults)
        .values({ executionId: bind('executionId'), stepOrder: bind('order'), ...columns })
        .onConflictDoUpdate({
          target: [stepResults.executionId, stepResults.stepOrder],
          set: Object.fromEntries(
            Object.keys(columns).map((k) => [k, excluded(stepResults[k as keyof typeof columns])]),
          ),
        })
        .returning({ id: stepResults.id })
        .prepare(),
      markRunning: db
        .update(stepResults)
        .set({ status: 'running', startedAt: bind('startedAt') })
        .where(
          and(
            eq(stepResults.executionId, bind('executionId')),
            eq(stepResults.stepOrder, bind('order')),
            eq(stepResults.status, 'pending'),
          ),
        )
        .returning({ id: stepResults.id })
        .prepare(),
      deleteMeasurements: db
        .delete(measurements)
        .where(eq(measurements.stepResultId, bind('stepResultId')))
        .prepare(),
      insertMeasurement: db
        .insert(measurements)
        .values({
          stepResultId: bind('stepResultId'),
          executionId: bind('executionId'),
          name: bind('name'),
          value: bind('value'),
          valueText: bind('valueText'),
          unit: bind('unit'),
          low: bind('low'),
          high: bind('high'),
          equals: bind('equals'),
          pass: bind('pass'),
        })
        .prepare(),
    };
  });

/** A step as the runner reports it. Optional fields default to null (attempts to 0, pass to false). */
export interface StepInput {
  name: string;
  /** Position in the sequence, from 0; unique within the execution. */
  order: number;
  status: StepStatus;
  pass?: boolean;
  startedAt?: TimeInput | null;
  completedAt?: TimeInput | null;
  /** Seconds. */
  duration?: number | null;
  attempts?: number;
  result?: JsonValue | null;
  error?: string | null;
}

/** A measurement as the runner reports it; the runner has already judged `pass` against the limits. */
export interface MeasurementInput {
  name: string;
  value: MeasuredValue;
  unit?: string | null;
  low?: number | null;
  high?: number | null;
  equals?: JsonValue | null;
  pass: boolean;
}

/**
 * Writes a step and its measurements, replacing what an earlier call stored for the same step order (a
 * runner may record a step as `running` when it starts and again when it ends). Returns the stored step.
 * Only a running execution takes steps: once final it may already be at the Backend, and a later change
 * would never be sent (NOT_RUNNING). An unknown execution is NOT_FOUND.
 */
export function recordStep(
  store: StoreHandle,
  executionId: string,
  step: StepInput,
  stepMeasurements: readonly MeasurementInput[] = [],
): StepResult {
  const stored = {
    name: step.name,
    order: step.order,
    status: step.status,
    pass: step.pass ?? false,
    startedAt: optionalIso(step.startedAt, 'startedAt'),
    completedAt: optionalIso(step.completedAt, 'completedAt'),
    duration: step.duration ?? null,
    attempts: step.attempts ?? 0,
    result: step.result ?? null,
    error: step.error ?? null,
  };
  if (!Number.isInteger(stored.order) || stored.order < 0) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `step ${step.name}: order must be a non-negative integer, got ${step.order}`,
    );
  }
  const q = statements(store);
  try {
    writeTransaction(store, () => {
      const execution = q.executionStatus.get({ id: executionId });
      if (!execution) {
        throw new StoreError(
          'NOT_FOUND',
          `cannot record step ${step.name}: execution ${executionId} does not exist`,
        );
      }
      if (execution.status !== 'running') {
        throw new StoreError(
          'NOT_RUNNING',
          `cannot record step ${step.name}: execution ${executionId} already ended (${execution.status})`,
        );
      }
      const row = q.upsertStep.get({
        ...stored,
        executionId,
        pass: flag(stored.pass),
        result: jsonText(stored.result),
      });
      if (!row) throw new Error('the step upsert returned no row');
      q.deleteMeasurements.run({ stepResultId: row.id });
      for (const m of stepMeasurements) q.insertMeasurement.run(measurementParams(row.id, executionId, m));
    });
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      'QUERY_FAILED',
      `cannot record step ${step.name} of ${executionId}: ${describeError(err)}`,
      {
        cause: err,
      },
    );
  }
  return { ...stored, measurements: stepMeasurements.map(normaliseMeasurement) };
}

/**
 * Marks the `pending` row of a step `running` as it starts (see createExecution's `steps`), so a runner
 * killed mid-step leaves the step in flight on record. One statement, committed without waiting for the
 * disk: it costs the run no fsync per step, and the next durable commit (the step's result) carries it to
 * disk anyway. A power cut right after it loses only the mark, and the crash mark then calls that step
 * `skipped` instead of `failed`. Returns false when there was no pending row (the execution ended, or was
 * created without its step list).
 */
export function markStepRunning(
  store: StoreHandle,
  executionId: string,
  order: number,
  startedAt: TimeInput = new Date(),
): boolean {
  const q = statements(store);
  const params = { executionId, order, startedAt: toIso(startedAt, 'startedAt') };
  const mode = store.sqlite.query<{ synchronous: number }, []>('PRAGMA synchronous').get()?.synchronous;
  // Inside a caller's transaction (a batch host's spool, the station's replay) the commit is the caller's.
  if (mode !== 2 || store.sqlite.inTransaction) return q.markRunning.all(params).length > 0;
  store.sqlite.exec('PRAGMA synchronous=NORMAL');
  try {
    return q.markRunning.all(params).length > 0;
  } finally {
    store.sqlite.exec('PRAGMA synchronous=FULL');
  }
}

/** Splits a measured value into the numeric column and the JSON text column. */
function measurementParams(stepResultId: number, executionId: string, m: MeasurementInput) {
  const numeric = typeof m.value === 'number' && Number.isFinite(m.value);
  return {
    stepResultId,
    executionId,
    name: m.name,
    value: numeric ? (m.value as number) : null,
    // Non-finite numbers have no JSON form; keep them readable rather than turning them into null.
    valueText:
      numeric || m.value === null
        ? null
        : JSON.stringify(typeof m.value === 'number' ? String(m.value) : m.value),
    unit: m.unit ?? null,
    low: m.low ?? null,
    high: m.high ?? null,
    equals: jsonText(m.equals),
    pass: flag(m.pass),
  };
}

/** The measurement as getResult will read it back. */
function normaliseMeasurement(m: MeasurementInput): StepResult['measurements'][number] {
  const value = typeof m.value === 'number' && !Number.isFinite(m.value) ? String(m.value) : m.value;
  return {
    name: m.name,
    value,
    unit: m.unit ?? null,
    low: m.low ?? null,
    high: m.high ?? null,
    equals: m.equals ?? null,
    pass: m.pass,
  };
}

function optionalIso(time: TimeInput | null | undefined, field: string): string | null {
  return time === null || time === undefined ? null : toIso(time, field);
}
