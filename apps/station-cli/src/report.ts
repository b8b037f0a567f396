// `station run --report FILE`: the stored result written for a CI system. `.json` is the result exactly as
// the station stores it and serves it (`GET /api/results/{id}`); `.xml` is JUnit XML, one test case per
// step, failures with the measurements that missed their limits.
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { ExecutionResult, Measurement, StepResult } from '@station/model';
import { XMLBuilder } from 'fast-xml-parser';

/** The report formats, by file extension. */
export type ReportFormat = 'json' | 'junit';

/** The format a report path asks for, or undefined for an extension nobody knows. */
export function reportFormat(path: string): ReportFormat | undefined {
  const ext = extname(path).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.xml' ? 'junit' : undefined;
}

// XML 1.0 has no way to write most control characters (a driver's raw bytes in a message, say).
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is removed
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const clean = (text: string) => text.replace(NOT_XML, '');

function measurementLine(m: Measurement): string {
  const limits =
    m.equals !== null
      ? `= ${JSON.stringify(m.equals)}`
      : [m.low === null ? '' : `low ${m.low}`, m.high === null ? '' : `high ${m.high}`]
          .filter(Boolean)
          .join(' ');
  const unit = m.unit ? ` ${m.unit}` : '';
  return `${m.name} = ${JSON.stringify(m.value)}${unit}${limits ? ` (${limits})` : ''}: ${m.pass ? 'pass' : 'FAIL'}`;
}

/** `CODE: message` as stored, split back into its code and message. */
function splitError(error: string): { code: string; message: string } {
  const m = /^([A-Z][A-Z_]*): ([\s\S]*)$/.exec(error);
  return m ? { code: m[1] ?? 'ERROR', message: m[2] ?? '' } : { code: 'ERROR', message: error };
}

function testcase(suite: string, s: StepResult): Record<string, unknown> {
  const base = { '@_name': s.name, '@_classname': suite, '@_time': (s.duration ?? 0).toFixed(3) };
  const measured = s.measurements.map(measurementLine).join('\n');
  const out = measured ? { 'system-out': clean(measured) } : {};
  if (s.status === 'skipped')
    return { ...base, skipped: { '@_message': 'not run: an earlier step failed or the run was aborted' } };
  if (s.pass) return { ...base, ...out };
  const { code, message } = splitError(s.error ?? 'FAILED: the step did not pass');
  // A missed limit or a step that threw is the unit failing; anything else kept the unit from being judged.
  const kind = code === 'STEP_FAILED' ? 'failure' : 'error';
  const missed = s.measurements.filter((m) => !m.pass).map(measurementLine);
  const text = [message, ...missed].join('\n');
  return { ...base, [kind]: { '@_type': code, '@_message': clean(message), '#text': clean(text) }, ...out };
}

/** The result as JUnit XML (the common denominator of CI systems: Jenkins, GitLab, GitHub actions). */
export function junitXml(result: ExecutionResult): string {
  const suite = result.sequenceName;
  const steps = result.steps;
  const count = (f: (s: StepResult) => boolean) => String(steps.filter(f).length);
  const failures = count(
    (s) => !s.pass && s.status === 'failed' && s.error?.startsWith('STEP_FAILED:') === true,
  );
  const skipped = count((s) => s.status === 'skipped');
  const errors = String(
    steps.length - Number(failures) - Number(skipped) - steps.filter((s) => s.pass).length,
  );
  const properties: [string, string][] = [
    ['sequence_version', result.sequenceVersion],
    ['package_hash', result.packageHash],
    ['execution_id', result.id],
    ['status', result.status],
    ...(result.serialNumber ? ([['serial_number', result.serialNumber]] as [string, string][]) : []),
    ...Object.entries(result.parameters ?? {}).map(([k, v]): [string, string] => [
      `parameter.${k}`,
      JSON.stringify(v),
    ]),
  ];
  const totals = {
    '@_tests': String(steps.length),
    '@_failures': failures,
    '@_errors': errors,
    '@_skipped': skipped,
  };
  const time = (result.duration ?? 0).toFixed(3);
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': suite,
      ...totals,
      '@_time': time,
      testsuite: {
        '@_name': suite,
        ...totals,
        '@_time': time,
        '@_timestamp': result.startedAt,
        properties: {
          property: properties.map(([name, value]) => ({ '@_name': name, '@_value': clean(value) })),
        },
        testcase: steps.map((s) => testcase(suite, s)),
      },
    },
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    suppressEmptyNode: true,
  });
  return builder.build(doc);
}

/** Writes `result` to `path` in the format its extension names. */
export function writeReport(path: string, result: ExecutionResult): void {
  const format = reportFormat(path);
  if (format === 'json') writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  else if (format === 'junit') writeFileSync(path, junitXml(result));
  else throw new Error(`${path}: a report is .json or .xml`);
}
