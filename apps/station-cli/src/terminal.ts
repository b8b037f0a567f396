// What `station run` prints while it runs: a line per step with its verdict and duration, each measurement
// against its limits, the step's log lines, and the verdict of the run. A SequenceSink beside the
// runner's recorder, so the terminal sees exactly what the store gets.
import { errorCodeOf, type LogLine, type Measurement, type StepResult, type Verdict } from '@station/model';
import type { SequenceOutcome, SequenceSink, SequenceStart, SerialSet } from '@station/sequence';
import { type Io, paint } from './command.ts';

/**
 * Exit codes of `station run`, by the run's verdict, the one the station gives the same run (`verdictOf`,
 * taken from the recorder's `sequence_complete`): 0 pass, 1 fail, 2 error or aborted.
 */
export const EXIT_CODES: Record<Verdict, number> = { PASS: 0, FAIL: 1, ERROR: 2, ABORTED: 2 };

/** A step's word, by the rule of the run's verdict: a step that missed, threw or timed out failed it. */
function stepVerdict(r: StepResult): string {
  if (r.status === 'skipped') return 'SKIP';
  if (r.pass) return 'PASS';
  return errorCodeOf(r.error) === 'ABORTED' ? 'ABORTED' : 'FAIL';
}

/** A value as a person reads it: numbers to 6 significant digits, text quoted. */
export function shown(value: Measurement['equals']): string {
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : String(+value.toPrecision(6));
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The limits of a measurement in words: `3.2 .. 3.4 V`, `>= 0 A`, `= "cv"`, or nothing to judge. */
export function limitsOf(m: Pick<Measurement, 'low' | 'high' | 'equals' | 'unit'>): string {
  const unit = m.unit ? ` ${m.unit}` : '';
  if (m.equals !== null) return `= ${shown(m.equals)}`;
  if (m.low !== null && m.high !== null) return `${m.low} .. ${m.high}${unit}`;
  if (m.low !== null) return `>= ${m.low}${unit}`;
  if (m.high !== null) return `<= ${m.high}${unit}`;
  return '';
}

/** The printing sink; `live` (a terminal) replaces a step's "running" line with its result. */
export function terminalSink(
  io: Io,
  driverNames: Record<string, string> = {},
): SequenceSink & { verdictLine(o: SequenceOutcome, verdict: Verdict): string } {
  const live = io.terminal;
  const c = paint(io.colour);
  const colourOf = (v: string) =>
    v === 'PASS' ? c.green(v) : v === 'FAIL' ? c.red(v) : v === 'SKIP' ? c.dim(v) : c.yellow(v);
  let total = 0;
  let width = 0;
  // Whether the last line written is the running step's own "…" line, which its result may replace.
  let runningLine = false;
  const write = (text: string) => {
    runningLine = false;
    io.out(text);
  };
  return {
    onSequenceStart(s: SequenceStart) {
      total = s.steps.length;
      width = Math.max(...s.steps.map((x) => x.name.length));
      const params = Object.entries(s.parameters).map(([k, v]) => `${k}=${v}`);
      write(
        `${c.bold(`${s.sequenceName} ${s.sequenceVersion}`)}  ${c.dim(`execution ${s.executionId}  package ${s.packageHash.slice(0, 12)}`)}\n`,
      );
      if (params.length > 0) write(`${c.dim('parameters')}  ${params.join('  ')}\n`);
      const hardware = Object.entries(driverNames).map(([name, driver]) => `${name}=${driver}`);
      if (hardware.length > 0) write(`${c.dim('hardware')}    ${hardware.join('  ')}\n`);
      if (s.dut.serialNumber) write(`${c.dim('unit')}        ${s.dut.serialNumber}\n`);
    },
    onStepStart(d) {
      // Always written, so a log shows which step hangs; on a terminal its result replaces it.
      write(`  ${c.dim('....')}  ${d.index + 1}/${total} ${d.step}\n`);
      runningLine = live;
    },
    onSerial(d: SerialSet) {
      write(`          ${c.dim('unit')}  ${d.serialNumber} (read by ${d.step})\n`);
    },
    onLog(d: LogLine) {
      const word = d.level.padEnd(5);
      const level = d.level === 'error' ? c.red(word) : d.level === 'warn' ? c.yellow(word) : c.dim(word);
      write(`          ${level} ${d.message}\n`);
    },
    onStepEnd(r: StepResult) {
      // Cursor up one line and clear it: the result takes the place of "running".
      if (live && runningLine) io.out('\x1b[1A\x1b[2K');
      const verdict = stepVerdict(r);
      const duration = r.duration === null ? '' : c.dim(`${r.duration.toFixed(2)} s`);
      const retried = r.attempts > 1 ? c.dim(`  (${r.attempts} attempts)`) : '';
      const name = `${r.order + 1}/${total} ${r.name.padEnd(width)}`;
      write(`${`  ${colourOf(verdict.padEnd(4))}  ${name}  ${duration}${retried}`.trimEnd()}\n`);
      const mw = Math.max(0, ...r.measurements.map((m) => m.name.length));
      for (const m of r.measurements) {
        const value = `${shown(m.value)}${m.unit && typeof m.value === 'number' ? ` ${m.unit}` : ''}`;
        const limits = limitsOf(m);
        const judged = m.pass ? c.green('pass') : c.red('FAIL');
        write(
          `          ${m.name.padEnd(mw)}  ${value.padEnd(12)}  ${c.dim(limits.padEnd(16))}  ${judged}\n`,
        );
      }
      if (r.error && r.status !== 'skipped') write(`          ${c.red(r.error)}\n`);
    },
    verdictLine(o: SequenceOutcome, verdict: Verdict) {
      const ran = o.steps.filter((s) => s.status !== 'skipped').length;
      const why =
        o.error && verdict !== 'PASS' ? `  ${o.error.step ? `${o.error.step}: ` : ''}${o.error.message}` : '';
      return `${colourOf(verdict)}  ${o.sequenceName} ${o.sequenceVersion}: ${ran}/${o.steps.length} steps in ${o.duration.toFixed(2)} s${why}\n`;
    },
  };
}
