// The gateway's reads: a filtered, paged list of executions (newest first) and one execution in full.
// The one place rows become @station/model's result shapes.

import type {
  ExecutionResult,
  MeasuredValue,
  Measurement,
  ResultsPage,
  ResumeEntry,
  StepResult,
} from '@station/model';
import { and, count, desc, eq, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { StoreError } from '../errors.ts';
import type { StoreHandle } from '../handle.ts';
import { bind, prepared } from '../prepared.ts';
import {
  type ExecutionStatus,
  executions,
  type MeasurementRow,
  measurements,
  type RecoveryRecord,
  recoveries,
  stepResults,
} from '../schema.ts';
import { type TimeInput, toIso } from '../time.ts';
import { promptsByStep } from './prompts.ts';
import { getRecovery } from './recovery.ts';

/** Largest page the store will return, whatever the caller asks for. */
export const MAX_PAGE_SIZE = 200;
/** Page size when the caller gives none. */
export const DEFAULT_PAGE_SIZE = 50;

const statements = (store: StoreHandle) =>
  prepared(store, 'results', (db) => ({
    execution: db
      .select()
      .from(executions)
      .where(eq(executions.id, bind('id')))
      .prepare(),
    steps: db
      .select()
      .from(stepResults)
      .where(eq(stepResults.executionId, bind('id')))
      .orderBy(stepResults.stepOrder)
      .prepare(),
    measurements: db
      .select()
      .from(measurements)
      .where(eq(measurements.executionId, bind('id')))
      .orderBy(measurements.id)
      .prepare(),
  }));

/** Filters and paging of the results list; every filter is optional and they combine with AND. */
export interface ListResultsQuery {
  /** 1-based; default 1. */
  page?: number;
  /** Default 50, capped at 200. */
  pageSize?: number;
  batchId?: string;
  status?: ExecutionStatus;
  /** Overall pass; running executions (pass unknown) match neither true nor false. */
  pass?: boolean;
  /** Sequence name. */
  sequence?: string;
  /** Started at or after. */
  from?: TimeInput;
  /** Started before. */
  to?: TimeInput;
  /** Serial numbers starting with this text (case-sensitive, as serials are printed). */
  serial?: string;
  /** Part number, exact. */
  partNumber?: string;
}

// Above every character a serial can hold: `serial < prefix + TOP` ends the prefix range, so the filter is
// a range scan of the serial index (a LIKE would be case-insensitive and read every row).
const TOP = '\u{10FFFF}';

/**
 * When a serial prefix matches many runs spread over the store (a short prefix such as `PSU` can match
 * most of it), walking the newest runs until a page is full is cheaper than sorting every match found
 * through the serial index. Serials are made in runs, so a prefix of a few thousand usually sits in one
 * stretch of time: then the sort is cheaper. A page walks start-time order when the prefix matches more
 * than SERIAL_SORT_LIMIT runs and at least one run in SERIAL_DENSE_SHARE of the store.
 */
const SERIAL_SORT_LIMIT = 2000;
const SERIAL_DENSE_SHARE = 20;

/** Lists executions newest first (by start time), filtered and paged. */
export function listResults(store: StoreHandle, query: ListResultsQuery = {}): ResultsPage {
  const page = query.page ?? 1;
  const requestedSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(page) || page < 1) {
    throw new StoreError('INVALID_ARGUMENT', `page must be an integer of at least 1, got ${page}`);
  }
  if (!Number.isInteger(requestedSize) || requestedSize < 1) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `pageSize must be an integer of at least 1, got ${requestedSize}`,
    );
  }
  const pageSize = Math.min(requestedSize, MAX_PAGE_SIZE);
  const filters: SQL[] = [];
  if (query.batchId !== undefined) filters.push(eq(executions.batchId, query.batchId));
  if (query.status !== undefined) filters.push(eq(executions.status, query.status));
  if (query.pass !== undefined) filters.push(eq(executions.overallPass, query.pass));
  if (query.sequence !== undefined) filters.push(eq(executions.sequenceName, query.sequence));
  if (query.from !== undefined) filters.push(gte(executions.startedAt, toIso(query.from, 'from')));
  if (query.to !== undefined) filters.push(lt(executions.startedAt, toIso(query.to, 'to')));
  if (query.partNumber !== undefined) filters.push(eq(executions.partNumber, query.partNumber));
  // `+serial_number` is the same value without the index (see SERIAL_SORT_LIMIT).
  const serialRange = (column: SQL, prefix: string) => [
    sql`${column} >= ${prefix}`,
    sql`${column} < ${prefix + TOP}`,
  ];
  const serialColumn = sql`${executions.serialNumber}`;
  const counted =
    query.serial === undefined ? filters : [...filters, ...serialRange(serialColumn, query.serial)];
  const where = counted.length > 0 ? and(...counted) : undefined;

  // One read transaction: the count and the page come from the same snapshot.
  return store.sqlite.transaction(() => {
    const total = store.db.select({ n: count() }).from(executions).where(where).get()?.n ?? 0;
    const dense =
      query.serial !== undefined &&
      total > SERIAL_SORT_LIMIT &&
      total * SERIAL_DENSE_SHARE > storeSize(store);
    const pageWhere =
      dense && query.serial !== undefined
        ? and(...filters, ...serialRange(sql`+${executions.serialNumber}`, query.serial))
        : where;
    const items = store.db
      .select()
      .from(executions)
      .where(pageWhere)
      .orderBy(desc(executions.startedAt), desc(executions.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .all();
    return { items: withResumeCounts(store, items), total, page, pageSize };
  })();
}

/**
 * `rows` each with how many times it was resumed after a crash: one lookup of the recoveries table's key
 * for the whole list, never one query a row (the rows are a page, or a unit's runs).
 */
export function withResumeCounts<Row extends { id: string }>(
  store: StoreHandle,
  rows: Row[],
): (Row & { resumeCount: number })[] {
  const counts = new Map<string, number>();
  if (rows.length > 0) {
    const records = store.db
      .select({ id: recoveries.executionId, record: recoveries.record })
      .from(recoveries)
      .where(
        inArray(
          recoveries.executionId,
          rows.map((r) => r.id),
        ),
      )
      .all();
    for (const r of records) counts.set(r.id, resumesOf(r.record).length);
  }
  return rows.map((row) => ({ ...row, resumeCount: counts.get(row.id) ?? 0 }));
}

/** About how many executions the store holds (the highest rowid: one index step, never a count). */
function storeSize(store: StoreHandle): number {
  return store.sqlite.query<{ n: number | null }, []>('SELECT max(rowid) AS n FROM executions').get()?.n ?? 0;
}

/** One execution with its steps (in order) and their measurements, or undefined when unknown. */
export function getResult(store: StoreHandle, id: string): ExecutionResult | undefined {
  const q = statements(store);
  return store.sqlite.transaction(() => {
    const execution = q.execution.get({ id });
    if (!execution) return undefined;
    const steps = q.steps.all({ id });
    const rows = q.measurements.all({ id });
    const byStep = new Map<number, Measurement[]>();
    for (const row of rows) {
      const list = byStep.get(row.stepResultId) ?? [];
      list.push(toMeasurement(row));
      byStep.set(row.stepResultId, list);
    }
    const prompts = promptsByStep(store, id);
    const stepList: StepResult[] = steps.map((s) => ({
      name: s.name,
      order: s.stepOrder,
      status: s.status,
      pass: s.pass,
      startedAt: s.startedAt,
      completedAt: s.completedAt,
      duration: s.duration,
      attempts: s.attempts,
      result: s.result ?? null,
      error: s.error,
      measurements: byStep.get(s.id) ?? [],
      ...(prompts.has(s.stepOrder) ? { prompts: prompts.get(s.stepOrder) } : {}),
    }));
    const resumes = resumesOf(getRecovery(store, id));
    return { ...execution, steps: stepList, ...(resumes.length > 0 ? { resumes } : {}) };
  })();
}

/** The resumes a recovery record holds (its own and its `earlier` ones), oldest first. */
function resumesOf(record: RecoveryRecord | undefined): ResumeEntry[] {
  if (!record) return [];
  const all = [...(record.earlier ?? []), record];
  return all.flatMap((r) =>
    r.kind === 'resume' && r.resumedFrom
      ? [
          {
            resumedAt: r.completedAt,
            fromOrder: r.resumedFrom.order,
            fromStep: r.resumedFrom.step,
            reason: r.interruption?.reason ?? '',
            message: r.interruption?.message ?? '',
          },
        ]
      : [],
  );
}

function toMeasurement(row: MeasurementRow): Measurement {
  const value: MeasuredValue =
    row.value !== null ? row.value : row.valueText !== null ? fromJsonText(row.valueText) : null;
  return {
    name: row.name,
    value,
    unit: row.unit,
    low: row.low,
    high: row.high,
    equals: row.equals ?? null,
    pass: row.pass,
  };
}

/** value_text is JSON when the store wrote it; a hand-edited plain string is returned as it is. */
function fromJsonText(text: string): MeasuredValue {
  try {
    return JSON.parse(text) as MeasuredValue;
  } catch {
    return text;
  }
}
