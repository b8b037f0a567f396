// Step timeouts and retry delays: milliseconds as a number, or a string with one unit (`250ms`, `10s`, `2m`).

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;

/** The string form accepted for durations, for schema patterns. */
export const DURATION_PATTERN = '^\\d+(\\.\\d+)?\\s*(ms|s|m|h)$';

/**
 * Converts a manifest duration to whole milliseconds; `undefined` when it is not one.
 * @example toMilliseconds('1.5s') // 1500
 */
export function toMilliseconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = PATTERN.exec(value.trim());
  if (!m?.[1] || !m[2]) return undefined;
  return Math.round(Number(m[1]) * (UNITS[m[2]] ?? 1));
}
