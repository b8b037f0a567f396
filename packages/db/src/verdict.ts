// What an execution row says about its unit, in @station/model's shapes: the unit it was of (the verdict
// itself is the model's `verdictOf`, derived from status, reason and pass, never stored twice).
import type { RunUnit } from '@station/model';
import type { ExecutionRow } from './schema.ts';

/** The unit under test of an execution row, as events carry it. */
export function unitOf(row: ExecutionRow): RunUnit {
  return {
    serialNumber: row.serialNumber,
    partNumber: row.partNumber,
    revision: row.revision,
    lot: row.lot,
    serialSourceStep: row.serialSourceStep,
  };
}
