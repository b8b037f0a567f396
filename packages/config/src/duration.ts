// Durations in station.yaml: a number of milliseconds, or a string with one unit (`250ms`, `30s`, `5m`, `1h`).

/** The string form accepted for durations; a bare number is always milliseconds. */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?)(ms|s|m|h)$';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = new RegExp(DURATION_PATTERN);

/**
 * Converts a configuration duration to milliseconds; `undefined` when the text is not a duration.
 * @example parseDuration('1.5s') // 1500
 */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = DURATION_RE.exec(value.trim());
  const amount = m?.[1];
  const unit = m?.[3];
  if (amount === undefined || unit === undefined) return undefined;
  // Rounded so `0.1s` and friends come out as whole milliseconds, which timers expect.
  return Math.round(Number(amount) * (UNIT_MS[unit] ?? 1));
}
