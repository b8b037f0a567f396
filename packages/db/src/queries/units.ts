// A unit's history: every execution of one serial number, across batches and sequences, newest first,
// each with its verdict (GET /api/units/{serialNumber}).

import { type UnitHistory, verdictOf } from '@station/model';
import { desc, eq } from 'drizzle-orm';
import type { StoreHandle } from '../handle.ts';
import { bind, prepared } from '../prepared.ts';
import { executions } from '../schema.ts';
import { withResumeCounts } from './results.ts';

/** Most runs a history answers with; a unit retested more often than this is a process problem. */
export const MAX_UNIT_HISTORY = 1000;

const statements = (store: StoreHandle) =>
  prepared(store, 'units', (db) => ({
    history: db
      .select()
      .from(executions)
      .where(eq(executions.serialNumber, bind('serial')))
      .orderBy(desc(executions.startedAt), desc(executions.id))
      .prepare(),
  }));

/** Every run of `serialNumber`, newest first, or undefined when the store has never seen the unit. */
export function unitHistory(store: StoreHandle, serialNumber: string): UnitHistory | undefined {
  const rows = statements(store).history.all({ serial: serialNumber });
  if (rows.length === 0) return undefined;
  const runs = withResumeCounts(store, rows.slice(0, MAX_UNIT_HISTORY)).map((row) => ({
    ...row,
    verdict: verdictOf(row),
  }));
  return { serialNumber, total: rows.length, runs };
}
