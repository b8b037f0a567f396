// The unit under test (DUT) as a start request names it and the events of its run carry it, and the
// verdict a run gives it.
import { type Static, Type as T } from '@sinclair/typebox';
import type { ExecutionStatus, FinalExecutionStatus, StatusReason } from './result.ts';
import { literalUnion } from './schema.ts';

/**
 * What any serial number must be, whatever a manifest's own pattern adds: 1-64 printable ASCII characters
 * without spaces, as barcode labels print them. It keeps a serial safe in a URL path, a CSV cell and a log
 * line.
 */
export const SERIAL_NUMBER_PATTERN = '^[\\x21-\\x7E]{1,64}$';

const Field = (description: string) => T.String({ minLength: 1, maxLength: 64, description });

/** The unit a run is of: its serial number, and what the station knows about its kind. */
export const Dut = T.Object(
  {
    serialNumber: T.String({
      pattern: SERIAL_NUMBER_PATTERN,
      description: 'serial number: 1-64 printable ASCII characters, no spaces',
    }),
    partNumber: T.Optional(Field('part number')),
    revision: T.Optional(Field('hardware revision')),
    lot: T.Optional(Field('production lot')),
  },
  { additionalProperties: false },
);
export type Dut = Static<typeof Dut>;

/** The unit of a run as events report it: the serial may be unknown until a step reads it. */
export const RunUnit = T.Object({
  serialNumber: T.Union([T.String(), T.Null()]),
  partNumber: T.Union([T.String(), T.Null()]),
  revision: T.Union([T.String(), T.Null()]),
  lot: T.Union([T.String(), T.Null()]),
  /** The step that read the serial from the unit; null when it came with the start. */
  serialSourceStep: T.Union([T.String(), T.Null()]),
});
export type RunUnit = Static<typeof RunUnit>;

/** What a finished run says about its unit. */
export const VERDICTS = ['PASS', 'FAIL', 'ERROR', 'ABORTED'] as const;
export const Verdict = literalUnion(VERDICTS);
export type Verdict = Static<typeof Verdict>;
/** The same schema under the name the gateway's routes know it by. */
export const VerdictSchema = Verdict;

/** How an execution ended, as far as its verdict goes. */
type EndedRow = { status: ExecutionStatus; statusReason: StatusReason | null; overallPass: boolean | null };

/**
 * The verdict of an execution, null while it runs: derived from how the execution ended, so the store
 * keeps one fact (status, reason, pass) and never a second. Stopped runs (the operator's abort, the
 * station shutting down) are ABORTED; a run the station ended (a crash, a memory limit, a store that
 * refused a write) is ERROR, never a FAIL the unit did not earn; otherwise the overall pass decides.
 */
export function verdictOf(row: EndedRow & { status: FinalExecutionStatus }): Verdict;
export function verdictOf(row: EndedRow): Verdict | null;
export function verdictOf(row: EndedRow): Verdict | null {
  if (row.status === 'running') return null;
  if (row.status === 'stopped') return 'ABORTED';
  if (row.statusReason !== null) return 'ERROR';
  return row.overallPass === true ? 'PASS' : 'FAIL';
}
