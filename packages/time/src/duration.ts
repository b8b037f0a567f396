// Durations as people write them in station.yaml and in sequence manifests: a number of milliseconds, or a
// string with one unit (`250ms`, `30s`, `10 s`, `5m`, `1h`). One grammar for both files.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The string form accepted for durations, for schema patterns; a bare number is always milliseconds. */
export const DURATION_PATTERN = '^\\d+(\\.\\d+)?\\s*(ms|s|m|h)$';

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;

/**
 * Converts a duration to milliseconds; `undefined` when the value is not one. A string comes out rounded to
 * whole milliseconds (`0.1s` is 100), which timers expect; a number is taken as it is.
 * @example parseDuration('1.5s') // 1500
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = DURATION_RE.exec(value.trim());
  const amount = m?.[1];
  const unit = m?.[2];
  if (amount === undefined || unit === undefined) return undefined;
  return Math.round(Number(amount) * (UNIT_MS[unit] ?? 1));
}
