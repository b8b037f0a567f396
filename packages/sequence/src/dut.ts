// The unit under test as a sequence package sees it: the manifest's `dut` block (is a serial required,
// what must it look like), the check of the unit a start names, and `ctx.dut.setSerial` for a step that
// reads the serial from the unit itself.
import { type Dut, SERIAL_NUMBER_PATTERN } from '@station/model';
import { SequenceError } from './errors.ts';

/** Whether a run needs a serial number: `required` refuses a start without one, `none` one with one. */
export const SERIAL_MODES = ['required', 'optional', 'none'] as const;
export type SerialMode = (typeof SERIAL_MODES)[number];

/** The manifest's `dut` block, defaults applied. */
export interface DutSpec {
  serial: SerialMode;
  /** A regular expression the whole serial must match (as written; see `serialRegExp`). */
  serialPattern?: string;
}

/** The `dut` block of a manifest that has none. */
export const DEFAULT_DUT_SPEC: DutSpec = { serial: 'optional' };

const anySerial = new RegExp(SERIAL_NUMBER_PATTERN);

/**
 * The manifest's pattern as it is applied: anchored at both ends (the whole serial must match, as a reader
 * of `SN-[0-9]{6}` expects) and in Unicode mode. Throws the SyntaxError of a pattern that does not compile;
 * the manifest check reports that at load, so a loaded package's pattern always compiles.
 */
export function serialRegExp(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}

/** Why `serial` cannot be this run's serial number, or undefined when it can. */
export function serialProblem(spec: DutSpec, serial: string): string | undefined {
  if (spec.serial === 'none') return 'this sequence takes no serial number (manifest dut.serial: none)';
  if (!anySerial.test(serial)) {
    return `serial number ${JSON.stringify(serial.slice(0, 80))} must be 1-64 printable ASCII characters without spaces`;
  }
  if (spec.serialPattern !== undefined && !serialRegExp(spec.serialPattern).test(serial)) {
    return `serial number ${JSON.stringify(serial)} does not match the pattern ${spec.serialPattern} (manifest dut.serial_pattern)`;
  }
  return undefined;
}

/**
 * Checks the unit a start names against the manifest before anything runs: a serial it requires, refuses
 * or must match. Throws BAD_SERIAL with `details.errors` (`/dut/serialNumber`) and the pattern.
 */
export function checkStartDut(spec: DutSpec, dut: Dut | undefined): void {
  const fail = (message: string) => {
    throw new SequenceError('BAD_SERIAL', message, {
      details: {
        errors: [{ path: '/dut/serialNumber', message }],
        serial: spec.serial,
        ...(spec.serialPattern === undefined ? {} : { pattern: spec.serialPattern }),
      },
    });
  };
  if (dut === undefined) {
    if (spec.serial === 'required')
      fail('this sequence needs the serial number of the unit (dut.serialNumber)');
    return;
  }
  const problem = serialProblem(spec, dut.serialNumber);
  if (problem) fail(problem);
}
