// The runner's record of operator prompts: a row as a prompt opens, closed with the answer (who, when) or
// how it ended, so a result shows what the operator was asked and said at each step.

import type { PromptRecord } from '@station/model';
import { and, eq } from 'drizzle-orm';
import { StoreError, sqliteCode } from '../errors.ts';
import type { StoreHandle } from '../handle.ts';
import { bind, jsonText, prepared } from '../prepared.ts';
import {
  type JsonValue,
  type PromptKind,
  type PromptStatus,
  type StepPromptRow,
  stepPrompts,
} from '../schema.ts';
import { type TimeInput, toIso } from '../time.ts';

const statements = (store: StoreHandle) =>
  prepared(store, 'prompts', (db) => ({
    insert: db
      .insert(stepPrompts)
      .values({
        id: bind('id'),
        executionId: bind('executionId'),
        stepOrder: bind('stepOrder'),
        stepName: bind('stepName'),
        kind: bind('kind'),
        message: bind('message'),
        spec: bind('spec'),
        openedAt: bind('openedAt'),
        deadline: bind('deadline'),
      })
      .prepare(),
    close: db
      .update(stepPrompts)
      .set({
        status: bind('status'),
        answer: bind('answer'),
        answeredBy: bind('answeredBy'),
        closedAt: bind('closedAt'),
      })
      .where(and(eq(stepPrompts.id, bind('id')), eq(stepPrompts.status, 'open')))
      .returning({ id: stepPrompts.id })
      .prepare(),
    ofExecution: db
      .select()
      .from(stepPrompts)
      .where(eq(stepPrompts.executionId, bind('id')))
      .orderBy(stepPrompts.openedAt, stepPrompts.id)
      .prepare(),
  }));

/** A prompt as it opens. */
export interface PromptInput {
  id: string;
  executionId: string;
  stepOrder: number;
  stepName: string;
  kind: PromptKind;
  message: string;
  /** options / pattern / min / max / unit / image, as asked. */
  spec?: Record<string, JsonValue>;
  openedAt: TimeInput;
  deadline: TimeInput;
}

/** How a prompt closed. */
export interface PromptClose {
  status: Exclude<PromptStatus, 'open'>;
  answer?: JsonValue | null;
  answeredBy?: string | null;
  closedAt: TimeInput;
}

/** Records a prompt as it opens (status `open`). A prompt id is recorded once (INVALID_ARGUMENT the second time). */
export function openPrompt(store: StoreHandle, p: PromptInput): void {
  try {
    statements(store).insert.run({
      id: p.id,
      executionId: p.executionId,
      stepOrder: p.stepOrder,
      stepName: p.stepName,
      kind: p.kind,
      message: p.message,
      spec: jsonText(p.spec ?? {}),
      openedAt: toIso(p.openedAt, 'openedAt'),
      deadline: toIso(p.deadline, 'deadline'),
    });
  } catch (err) {
    const code = sqliteCode(err);
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new StoreError('INVALID_ARGUMENT', `prompt ${p.id} is already recorded`, { cause: err });
    }
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      throw new StoreError(
        'NOT_FOUND',
        `cannot record prompt ${p.id}: execution ${p.executionId} does not exist`,
      );
    }
    throw err;
  }
}

/** Closes an open prompt with its answer or end; false when it is unknown or already closed (the first close wins). */
export function closePrompt(store: StoreHandle, id: string, close: PromptClose): boolean {
  const rows = statements(store).close.all({
    id,
    status: close.status,
    answer: close.status === 'answered' ? jsonText(close.answer ?? null) : null,
    answeredBy: close.answeredBy ?? null,
    closedAt: toIso(close.closedAt, 'closedAt'),
  });
  return rows.length > 0;
}

/** The prompts of an execution by step order, oldest first, as results carry them. */
export function promptsByStep(store: StoreHandle, executionId: string): Map<number, PromptRecord[]> {
  const byStep = new Map<number, PromptRecord[]>();
  for (const row of statements(store).ofExecution.all({ id: executionId })) {
    const list = byStep.get(row.stepOrder) ?? [];
    list.push(toRecord(row));
    byStep.set(row.stepOrder, list);
  }
  return byStep;
}

function toRecord(row: StepPromptRow): PromptRecord {
  return {
    id: row.id,
    kind: row.kind,
    message: row.message,
    ...row.spec,
    openedAt: row.openedAt,
    deadline: row.deadline,
    status: row.status,
    answer: row.answer ?? null,
    answeredBy: row.answeredBy,
    closedAt: row.closedAt,
  };
}
