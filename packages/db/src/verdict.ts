// A unit's verdict, as an operator reads it on the card and a quality engineer in its history: derived
// from how the execution ended, so the store keeps one fact (status, reason, pass) and never a second.
import type { ExecutionRow, ExecutionStatus, StatusReason } from './schema.ts';

/** What a finished run says about its unit. */
export const VERDICTS = ['PASS', 'FAIL', 'ERROR', 'ABORTED'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * The verdict of an execution, null while it runs. Stopped runs (the operator's abort, the station
 * shutting down) are ABORTED; a run the station ended (a crash, a memory limit, a store that refused a
 * write) is ERROR, never a FAIL the unit did not earn; otherwise the overall pass decides.
 */
export function verdictOf(row: {
  status: ExecutionStatus;
  statusReason: StatusReason | null;
  overallPass: boolean | null;
}): Verdict | null {
  if (row.status === 'running') return null;
  if (row.status === 'stopped') return 'ABORTED';
  if (row.statusReason !== null) return 'ERROR';
  return row.overallPass === true ? 'PASS' : 'FAIL';
}

/** The unit under test of an execution row, as events carry it (`RunUnit` on the bus). */
export function unitOf(row: ExecutionRow): {
  serialNumber: string | null;
  partNumber: string | null;
  revision: string | null;
  lot: string | null;
  serialSourceStep: string | null;
} {
  return {
    serialNumber: row.serialNumber,
    partNumber: row.partNumber,
    revision: row.revision,
    lot: row.lot,
    serialSourceStep: row.serialSourceStep,
  };
}
