// CSV export of one execution (RFC 4180): a row per measurement, and a row for each step that took none,
// so a spreadsheet shows every step and every number.
import type { ExecutionResult } from '@station/model';

/** Column names of the export, in order. */
export const CSV_COLUMNS = [
  'execution_id',
  'batch_id',
  'sequence_name',
  'sequence_version',
  'execution_status',
  'status_reason',
  'overall_pass',
  'started_at',
  'completed_at',
  'operator',
  'serial_number',
  'part_number',
  'revision',
  'lot',
  'serial_source_step',
  'step_order',
  'step_name',
  'step_status',
  'step_pass',
  'step_duration_s',
  'step_error',
  'measurement',
  'value',
  'unit',
  'low',
  'high',
  'equals',
  'measurement_pass',
] as const;

type Cell = string | number | boolean | null | undefined;

/**
 * One field, quoted when RFC 4180 requires it (comma, quote, CR or LF). Text that a spreadsheet would run
 * as a formula (=, +, -, @ first) gets a leading apostrophe: step names and hardware error messages come
 * from outside and an export must never execute anything when opened. Numbers are left as they are.
 */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function jsonCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** The execution as CSV text with a header row; lines end in CRLF as RFC 4180 says. */
export function executionToCsv(result: ExecutionResult): string {
  const lines = [CSV_COLUMNS.join(',')];
  const head: Cell[] = [
    result.id,
    result.batchId,
    result.sequenceName,
    result.sequenceVersion,
    result.status,
    result.statusReason,
    result.overallPass,
    result.startedAt,
    result.completedAt,
    result.operator,
    result.serialNumber,
    result.partNumber,
    result.revision,
    result.lot,
    result.serialSourceStep,
  ];
  for (const step of result.steps) {
    const stepCells: Cell[] = [step.order, step.name, step.status, step.pass, step.duration, step.error];
    if (step.measurements.length === 0) {
      lines.push([...head, ...stepCells, null, null, null, null, null, null, null].map(csvField).join(','));
      continue;
    }
    for (const m of step.measurements) {
      const cells: Cell[] = [
        ...head,
        ...stepCells,
        m.name,
        m.value,
        m.unit,
        m.low,
        m.high,
        jsonCell(m.equals),
        m.pass,
      ];
      lines.push(cells.map(csvField).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name safe in a Content-Disposition header, derived from the execution id. */
export function exportFileName(id: string, format: 'json' | 'csv'): string {
  const safe = id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100) || 'result';
  return `${safe}.${format}`;
}
