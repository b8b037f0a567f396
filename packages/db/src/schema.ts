// The station's one Drizzle schema. Table and column names are contracts: the operators' runbook and the
// sync agent's Backend payload read them, so rename only through a migration and docs/data.md.

import {
  EXECUTION_STATUSES,
  type JsonValue,
  PROMPT_KINDS,
  PROMPT_STATUSES,
  STATUS_REASONS,
  STEP_STATUSES,
} from '@station/model';
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  real,
  type SQLiteColumn,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

// The statuses of results and prompts are @station/model's: the CHECKs below and every reader agree on
// one list.
export {
  EXECUTION_STATUSES,
  type ExecutionStatus,
  PROMPT_KINDS,
  PROMPT_STATUSES,
  type PromptKind,
  type PromptStatus,
  STATUS_REASONS,
  STEP_STATUSES,
  type StatusReason,
  type StepStatus,
} from '@station/model';

/** Outbox states: pending -> in_flight -> done | pending (retry) | rejected (manual requeue only). */
export const SYNC_STATUSES = ['pending', 'in_flight', 'done', 'rejected'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** What an outbox row points at; only whole executions are sent today. */
export const SYNC_KINDS = ['execution'] as const;
export type SyncKind = (typeof SYNC_KINDS)[number];

/**
 * What a runner did to bring its hardware back to a safe state after the execution before it was cut off
 * (crash, lost, memory limit): every driver's safeState() and the sequence's cleanup steps, and whether
 * all of it passed (the batch takes new runs only then, or once an operator acknowledged a failure).
 */
export interface RecoveryRecord {
  startedAt: string;
  completedAt: string;
  passed: boolean;
  /** Each driver's safeState(): `ok`, or the error it raised. */
  safeState: { hardware: string; ok: boolean; error?: string }[];
  /** The cleanup steps, in order, with their outcome. */
  steps: { name: string; status: string; pass: boolean; error?: string }[];
  /** Set when an operator acknowledged a failed recovery. */
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  /**
   * `resume`: the next runner put the hardware in its safe state and continued the execution (no cleanup
   * steps); absent or `cleanup`: the recovery above ended it.
   */
  kind?: 'cleanup' | 'resume';
  /** For `resume`: the step the run continued at (0-based order and name). */
  resumedFrom?: { order: number; step: string };
  /** What cut the run off (its status reason and message at the crash). */
  interruption?: { reason: string; message: string };
  /** Records this one replaced, oldest first: a run resumed and cut off again keeps its history. */
  earlier?: RecoveryRecord[];
}

/** JSON values as stored in the JSON text columns. */
export type { JsonValue } from '@station/model';

// A CHECK keeps a hand-edited row (sqlite3 CLI) from inventing a state no service understands.
function inList(column: SQLiteColumn, values: readonly string[]) {
  return sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(', '))})`;
}

// Timestamps are ISO-8601 UTC text with milliseconds (`2026-11-29T07:00:00.000Z`): fixed width, so text
// order is time order, and an operator reads them as-is in the sqlite3 CLI.

/** One run of a sequence on one batch (SPEC §4 ExecutionResult without its steps). */
export const executions = sqliteTable(
  'executions',
  {
    id: text('id').primaryKey(),
    batchId: text('batch_id').notNull(),
    sequenceName: text('sequence_name').notNull(),
    sequenceVersion: text('sequence_version').notNull(),
    packageHash: text('package_hash').notNull(),
    status: text('status', { enum: EXECUTION_STATUSES }).notNull().default('running'),
    /** Null while running. */
    overallPass: integer('overall_pass', { mode: 'boolean' }),
    parameters: text('parameters', { mode: 'json' })
      .$type<Record<string, JsonValue>>()
      .notNull()
      .default(sql`'{}'`),
    startedAt: text('started_at').notNull(),
    completedAt: text('completed_at'),
    /** Seconds. */
    duration: real('duration'),
    /** Why it ended abnormally (crash, abort, hardware error); null for a normal end. */
    error: text('error'),
    /** Who or what ended it early (STATUS_REASONS); null when it ran to its end. */
    statusReason: text('status_reason', { enum: STATUS_REASONS }),
    syncedAt: text('synced_at'),
    /** Who started it: the operator id given at the station (badge or typed) or the token's subject. */
    operator: text('operator'),
    /** The unit under test (DUT): its serial number, null when the run was not of an identified unit. */
    serialNumber: text('serial_number'),
    partNumber: text('part_number'),
    revision: text('revision'),
    lot: text('lot'),
    /** The step that read the serial from the unit (`ctx.dut.setSerial`); null when it came with the start. */
    serialSourceStep: text('serial_source_step'),
  },
  // Each filter's index ends in (started_at, id), the list's sort order, so a filtered page is read in
  // index order and stops at the page's end instead of sorting every match.
  (t) => [
    // The newest-first list, and yield over a time range (GET /api/stats), which reads this index alone:
    // every column the stats need is in it, so older rows the store keeps cost nothing.
    index('executions_started_at_idx').on(
      t.startedAt,
      t.id,
      t.status,
      t.statusReason,
      t.batchId,
      t.sequenceName,
      t.serialNumber,
      t.overallPass,
      t.duration,
    ),
    index('executions_batch_started_idx').on(t.batchId, t.startedAt, t.id),
    index('executions_status_started_idx').on(t.status, t.startedAt, t.id),
    index('executions_sequence_started_idx').on(t.sequenceName, t.startedAt, t.id),
    // A unit's history, the serial prefix filter (a range on the text), and the stats' look-up of a unit's
    // earlier runs of a sequence, which it answers from the index alone.
    index('executions_serial_idx').on(
      t.serialNumber,
      t.sequenceName,
      t.startedAt,
      t.id,
      t.status,
      t.statusReason,
    ),
    index('executions_part_started_idx').on(t.partNumber, t.startedAt, t.id),
    check('executions_status_ck', inList(t.status, EXECUTION_STATUSES)),
  ],
);

/**
 * The recovery the next runner of a batch ran after an execution was cut off by a crash (one row per such
 * execution, written when the recovery ends and again when an operator acknowledges a failed one).
 */
export const recoveries = sqliteTable('recoveries', {
  executionId: text('execution_id')
    .primaryKey()
    .references(() => executions.id, { onDelete: 'cascade' }),
  batchId: text('batch_id').notNull(),
  record: text('record', { mode: 'json' }).$type<RecoveryRecord>().notNull(),
});

/**
 * Executions of a package with `resume: after_last_completed`. A runner crash does not end them: they stay
 * `running` with the crash's status reason (held) until the batch's next runner resumes or closes them.
 */
export const resumableExecutions = sqliteTable('resumable_executions', {
  executionId: text('execution_id')
    .primaryKey()
    .references(() => executions.id, { onDelete: 'cascade' }),
});

/**
 * The sequence version an engineer pinned a batch to (`POST /api/batches/{id}/sequence/version`): an exact
 * version or `latest`. It replaces the batch's `sequence_version` from station.yaml until pinned again; the
 * batch's runner reads it before each start. Written by the supervisor only.
 */
export const sequencePins = sqliteTable('sequence_pins', {
  batchId: text('batch_id').primaryKey(),
  /** `latest` or an exact semantic version installed under sequences_dir. */
  version: text('version').notNull(),
  pinnedAt: text('pinned_at').notNull(),
  /** API key name or token subject; `local` without auth. */
  pinnedBy: text('pinned_by').notNull(),
});

/** One step of an execution, written when the step ends (or when it starts, then overwritten). */
export const stepResults = sqliteTable(
  'step_results',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    executionId: text('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    stepOrder: integer('step_order').notNull(),
    status: text('status', { enum: STEP_STATUSES }).notNull(),
    pass: integer('pass', { mode: 'boolean' }).notNull().default(false),
    startedAt: text('started_at'),
    completedAt: text('completed_at'),
    /** Seconds. */
    duration: real('duration'),
    attempts: integer('attempts').notNull().default(0),
    result: text('result', { mode: 'json' }).$type<JsonValue>(),
    error: text('error'),
  },
  // The unique index doubles as the lookup index for "steps of an execution, in order".
  (t) => [
    uniqueIndex('step_results_execution_order_uq').on(t.executionId, t.stepOrder),
    check('step_results_status_ck', inList(t.status, STEP_STATUSES)),
  ],
);

/** One named value a step measured, with the limits it was judged against. */
export const measurements = sqliteTable(
  'measurements',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    stepResultId: integer('step_result_id')
      .notNull()
      .references(() => stepResults.id, { onDelete: 'cascade' }),
    // Denormalised so an export reads one execution's measurements without joining through steps.
    executionId: text('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Numeric readings; null when the value is not a finite number. */
    value: real('value'),
    /** JSON text of a non-numeric value (`"OK"`, `true`), so `equals` limits on strings keep their type. */
    valueText: text('value_text'),
    unit: text('unit'),
    low: real('low'),
    high: real('high'),
    equals: text('equals', { mode: 'json' }).$type<JsonValue>(),
    pass: integer('pass', { mode: 'boolean' }).notNull(),
  },
  (t) => [
    index('measurements_execution_idx').on(t.executionId),
    index('measurements_step_idx').on(t.stepResultId),
  ],
);

/** A question a step asked the operator, with the answer, who gave it and when (written as it opens and closes). */
export const stepPrompts = sqliteTable(
  'step_prompts',
  {
    /** The prompt id the answer named (`POST /api/batches/{id}/prompts/{promptId}`). */
    id: text('id').primaryKey(),
    executionId: text('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    /** The asking step, as `step_results.step_order` and its name. */
    stepOrder: integer('step_order').notNull(),
    stepName: text('step_name').notNull(),
    kind: text('kind', { enum: PROMPT_KINDS }).notNull(),
    message: text('message').notNull(),
    /** What the answer was checked against: `options`, `pattern`, `min`/`max`/`unit`, and `image` (URL). */
    spec: text('spec', { mode: 'json' }).$type<Record<string, JsonValue>>().notNull().default(sql`'{}'`),
    openedAt: text('opened_at').notNull(),
    deadline: text('deadline').notNull(),
    status: text('status', { enum: PROMPT_STATUSES }).notNull().default('open'),
    /** JSON of the answer; null unless answered. */
    answer: text('answer', { mode: 'json' }).$type<JsonValue>(),
    /** API key name or token subject of whoever answered, or `local` on a station without auth. */
    answeredBy: text('answered_by'),
    closedAt: text('closed_at'),
  },
  (t) => [
    index('step_prompts_execution_idx').on(t.executionId, t.openedAt),
    check('step_prompts_status_ck', inList(t.status, PROMPT_STATUSES)),
    check('step_prompts_kind_ck', inList(t.kind, PROMPT_KINDS)),
  ],
);

/** The outbox: one row per thing to send to the Backend, filled in the transaction that finishes it. */
export const syncQueue = sqliteTable(
  'sync_queue',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: SYNC_KINDS }).notNull().default('execution'),
    entityId: text('entity_id').notNull(),
    status: text('status', { enum: SYNC_STATUSES }).notNull().default('pending'),
    /** Send attempts begun (counted when claimed, so a crash mid-send still counts). */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    lastError: text('last_error'),
    /** HTTP status of the Backend's last answer, null for network errors and timeouts. */
    lastStatus: integer('last_status'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    claimedBy: text('claimed_by'),
    leaseUntil: text('lease_until'),
    doneAt: text('done_at'),
  },
  (t) => [
    uniqueIndex('sync_queue_kind_entity_uq').on(t.kind, t.entityId),
    index('sync_queue_drain_idx').on(t.status, t.nextAttemptAt, t.createdAt),
    index('sync_queue_lease_idx').on(t.status, t.leaseUntil),
    // "Last synced at" without reading every done row: the done rows only grow.
    index('sync_queue_done_idx').on(t.status, t.doneAt),
    index('sync_queue_created_idx').on(t.createdAt),
    check('sync_queue_status_ck', inList(t.status, SYNC_STATUSES)),
    check('sync_queue_kind_ck', inList(t.kind, SYNC_KINDS)),
  ],
);

/**
 * A batch host's spool (apps/batch-host): the writes of its remote runners, in order, kept until the
 * station's store has acknowledged them. Written in the transaction of the write itself, so a write is
 * never on the host without its record. `seq` counts the writes of one execution from 1.
 */
export const spoolRecords = sqliteTable(
  'spool_records',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    executionId: text('execution_id').notNull(),
    batchId: text('batch_id').notNull(),
    seq: integer('seq').notNull(),
    /** The store query the station replays (`recordStep`, ...), see @station/model's SPOOL_OPS. */
    op: text('op').notNull(),
    args: text('args', { mode: 'json' }).$type<JsonValue[]>().notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('spool_records_execution_seq_uq').on(t.executionId, t.seq),
    index('spool_records_batch_idx').on(t.batchId),
  ],
);

/** The last `seq` a host's spool gave each execution (its records may already be acknowledged and gone). */
export const spoolStreams = sqliteTable('spool_streams', {
  executionId: text('execution_id').primaryKey(),
  lastSeq: integer('last_seq').notNull(),
});

/**
 * The station's side of the spool: the last record of each remote execution applied to this store, so a
 * record delivered twice is applied once and one delivered early waits for the ones before it.
 */
export const remoteDeliveries = sqliteTable('remote_deliveries', {
  executionId: text('execution_id')
    .primaryKey()
    .references(() => executions.id, { onDelete: 'cascade' }),
  host: text('host').notNull(),
  lastSeq: integer('last_seq').notNull(),
  appliedAt: text('applied_at').notNull(),
});

export type ExecutionRow = typeof executions.$inferSelect;
export type NewExecutionRow = typeof executions.$inferInsert;
export type StepResultRow = typeof stepResults.$inferSelect;
export type NewStepResultRow = typeof stepResults.$inferInsert;
export type MeasurementRow = typeof measurements.$inferSelect;
export type NewMeasurementRow = typeof measurements.$inferInsert;
export type SyncQueueRow = typeof syncQueue.$inferSelect;
export type NewSyncQueueRow = typeof syncQueue.$inferInsert;
export type StepPromptRow = typeof stepPrompts.$inferSelect;
export type SequencePinRow = typeof sequencePins.$inferSelect;
