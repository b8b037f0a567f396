// The unit on a card, without React: what a serial number may be, and whether an answer fits an operator
// prompt before it is sent. (Its verdict is the station's, `lastResult.verdict`: the UI never derives one.)
import { SERIAL_NUMBER_PATTERN } from '@station/model';
import { t } from './i18n.ts';
import type { OperatorPrompt } from './types.ts';

/** Serial numbers as barcode labels print them: 1-64 printable ASCII characters, no spaces. */
const SERIAL = new RegExp(SERIAL_NUMBER_PATTERN);

/** Why `serial` cannot be sent, or null when it can. */
export function checkSerial(serial: string): string | null {
  const s = serial.trim();
  if (s === '') return t('unit.needSerial');
  return SERIAL.test(s) ? null : t('unit.badSerial');
}

/** The answer typed or tapped for `prompt`, checked as the station will check it; `error` says why not. */
export function parseAnswer(
  prompt: OperatorPrompt,
  raw: string | boolean,
): { ok: true; value: string | number | boolean } | { ok: false; error: string } {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  if (prompt.kind === 'number') {
    const text = raw.trim().replace(',', '.');
    const n = text === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(n)) return { ok: false, error: t('unit.typeNumber') };
    if (prompt.min !== undefined && n < prompt.min)
      return { ok: false, error: t('unit.atLeast', { min: prompt.min }) };
    if (prompt.max !== undefined && n > prompt.max)
      return { ok: false, error: t('unit.atMost', { max: prompt.max }) };
    return { ok: true, value: n };
  }
  if (prompt.kind === 'text') {
    const text = raw.trim();
    if (text === '') return { ok: false, error: t('unit.typeAnswer') };
    if (prompt.pattern !== undefined && !new RegExp(`^(?:${prompt.pattern})$`, 'u').test(text)) {
      return { ok: false, error: t('unit.badPattern', { pattern: prompt.pattern }) };
    }
    return { ok: true, value: text };
  }
  return { ok: true, value: raw };
}

const UNITS_KEY = 'station.units';

/** The units this browser session started, by batch: a page reloaded mid-run still knows the serial. */
function units(): Record<string, { serial: string; executionId?: string }> {
  try {
    return JSON.parse(sessionStorage.getItem(UNITS_KEY) ?? '{}') as Record<
      string,
      { serial: string; executionId?: string }
    >;
  } catch {
    return {};
  }
}

/** Remembers the unit on `batchId` for this session. */
export function rememberUnit(batchId: string, unit: { serial: string; executionId?: string }): void {
  const all = units();
  const known = all[batchId];
  if (known?.serial === unit.serial && known.executionId === unit.executionId) return;
  sessionStorage.setItem(UNITS_KEY, JSON.stringify({ ...all, [batchId]: unit }));
}

/** The unit this session last started on `batchId`, if any. */
export function recallUnit(batchId: string): { serial: string; executionId?: string } | undefined {
  return units()[batchId];
}
