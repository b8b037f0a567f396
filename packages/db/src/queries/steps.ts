// The runner's per-step write: the step row and its measurements in one short transaction, so a runner
// killed mid-sequence leaves every finished step complete in the store and none half-written.

import type { MeasuredValue, StepResult } from '@station/model';
import { describeError, StoreError } from '../errors.ts';
import type { StoreHandle } from '../handle.ts';
import { flag, jsonText, prepared } from '../prepared.ts';
import type { JsonValue, StepStatus } from '../schema.ts';
import { type TimeInput, toIso } from '../time.ts';

// The statements of the per-step path, prepared on the bun:sqlite connection itself. They run once or
// twice per step, every few hundred microseconds on a fast sequence: Drizzle's placeholder filling, row
// mapping and transaction wrapper cost more than the statements (issue 18), so this one path binds its
// parameters directly. The columns are schema.ts's `step_results` and `measurements`.
const STEP_COLUMNS = 'name, status, pass, started_at, completed_at, duration, attempts, result, error';
const statements = (store: StoreHandle) =>
  prepared(store, 'steps', () => {
    const { sqlite } = store;
    return {
      // BEGIN IMMEDIATE takes the write lock at once (see writeTransaction); inside a caller's
      // transaction bun:sqlite uses a savepoint instead.
      transaction: sqlite.transaction((write: () => void) => write()),
      executionStatus: sqlite.prepare<{ status: string }, [string]>(
        'SELECT status FROM executions WHERE id = ?',
      ),
      // Written only while the execution runs: the check is the insert's own condition, one statement.
      upsertStep: sqlite.prepare<
        { id: number },
        [
          string,
          number,
          string,
          string,
          0 | 1 | null,
          string | null,
          string | null,
          number | null,
          number,
          string | null,
          string | null,
          string,
        ]
      >(
        `INSERT INTO step_results (execution_id, step_order, ${STEP_COLUMNS})
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
         WHERE EXISTS (SELECT 1 FROM executions WHERE id = ? AND status = 'running')
         ON CONFLICT (execution_id, step_order) DO UPDATE SET
           ${STEP_COLUMNS.split(', ')
             .map((c) => `${c} = excluded.${c}`)
             .join(', ')}
         RETURNING id`,
      ),
      markRunning: sqlite.prepare<{ id: number }, [string, string, number]>(
        `UPDATE step_results SET status = 'running', started_at = ?
         WHERE execution_id = ? AND step_order = ? AND status = 'pending' RETURNING id`,
      ),
      deleteMeasurements: sqlite.prepare<unknown, [number]>(
        'DELETE FROM measurements WHERE step_result_id = ?',
      ),
      insertMeasurement: sqlite.prepare<unknown, MeasurementRow>(
        `INSERT INTO measurements
           (step_result_id, execution_id, name, value, value_text, unit, low, high, equals, pass)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  });

type MeasurementRow = [
  number,
  string,
  string,
  number | null,
  string | null,
  string | null,
  number | null,
  number | null,
  string | null,
  0 | 1 | null,
];

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

/** Options of recordStep. */
export interface RecordStepOptions {
  /**
   * The step that starts right after this one. Its `pending` row turns `running` in the same commit (what
   * markStepRunning does on its own), so a run whose steps follow each other pays one commit per step,
   * not a result commit and a mark.
   */
  next?: { order: number; startedAt?: TimeInput };
}

/**
 * Writes a step and its measurements, replacing what an earlier call stored for the same step order (a
 * runner may record a step as `running` when it starts and again when it ends). Returns the stored step.
 * Only a running execution takes steps: once final it may already be at the Backend, and a later change
 * would never be sent (NOT_RUNNING). An unknown execution is NOT_FOUND. One transaction, taken with the
 * write lock at BEGIN (see writeTransaction), joined as a savepoint when the caller already holds one.
 */
export function recordStep(
  store: StoreHandle,
  executionId: string,
  step: StepInput,
  stepMeasurements: readonly MeasurementInput[] = [],
  opts: RecordStepOptions = {},
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
  for (const [field, order] of [
    ['order', stored.order],
    ['next order', opts.next?.order ?? 0],
  ] as const) {
    if (!Number.isInteger(order) || order < 0) {
      throw new StoreError(
        'INVALID_ARGUMENT',
        `step ${step.name}: ${field} must be a non-negative integer, got ${order}`,
      );
    }
  }
  const next = opts.next
    ? { order: opts.next.order, startedAt: toIso(opts.next.startedAt ?? new Date(), 'next.startedAt') }
    : undefined;
  const q = statements(store);
  const write = () => {
    const row = q.upsertStep.get(
      executionId,
      stored.order,
      stored.name,
      stored.status,
      flag(stored.pass),
      stored.startedAt,
      stored.completedAt,
      stored.duration,
      stored.attempts,
      jsonText(stored.result),
      stored.error,
      executionId,
    );
    if (!row) {
      // Nothing written: say why (the rare path, so the check costs the common one nothing).
      const execution = q.executionStatus.get(executionId);
      if (!execution) {
        throw new StoreError(
          'NOT_FOUND',
          `cannot record step ${step.name}: execution ${executionId} does not exist`,
        );
      }
      throw new StoreError(
        'NOT_RUNNING',
        `cannot record step ${step.name}: execution ${executionId} already ended (${execution.status})`,
      );
    }
    q.deleteMeasurements.run(row.id);
    for (const m of stepMeasurements) q.insertMeasurement.run(...measurementRow(row.id, executionId, m));
    if (next) q.markRunning.get(next.startedAt, executionId, next.order);
  };
  try {
    q.transaction.immediate(write);
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
 * disk: it costs the run no fsync, and the next durable commit (the step's result) carries it to disk
 * anyway. A power cut right after it loses only the mark, and the crash mark then calls that step
 * `skipped` instead of `failed`. Returns false when there was no pending row (the execution ended, or was
 * created without its step list). The runner needs it only for a step that no result commit marked first
 * (recordStep's `next`): the first of a run, and one after a skipped step or a prompt.
 */
export function markStepRunning(
  store: StoreHandle,
  executionId: string,
  order: number,
  startedAt: TimeInput = new Date(),
): boolean {
  const q = statements(store);
  const at = toIso(startedAt, 'startedAt');
  const mode = store.sqlite.query<{ synchronous: number }, []>('PRAGMA synchronous').get()?.synchronous;
  // Inside a caller's transaction (a batch host's spool, the station's replay) the commit is the caller's.
  if (mode !== 2 || store.sqlite.inTransaction) return q.markRunning.get(at, executionId, order) !== null;
  store.sqlite.exec('PRAGMA synchronous=NORMAL');
  try {
    return q.markRunning.get(at, executionId, order) !== null;
  } finally {
    store.sqlite.exec('PRAGMA synchronous=FULL');
  }
}

/** A measurement's row: the numeric column and the JSON text column split. */
function measurementRow(stepResultId: number, executionId: string, m: MeasurementInput): MeasurementRow {
  const numeric = typeof m.value === 'number' && Number.isFinite(m.value);
  return [
    stepResultId,
    executionId,
    m.name,
    numeric ? (m.value as number) : null,
    // Non-finite numbers have no JSON form; keep them readable rather than turning them into null.
    numeric || m.value === null
      ? null
      : JSON.stringify(typeof m.value === 'number' ? String(m.value) : m.value),
    m.unit ?? null,
    m.low ?? null,
    m.high ?? null,
    jsonText(m.equals),
    flag(m.pass),
  ];
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
