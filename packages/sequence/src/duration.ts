// Step timeouts and retry delays: the station's one duration grammar (`@station/time`), in whole
// milliseconds, since a manifest's number feeds a timer directly.
import { parseDuration } from '@station/time';

export { DURATION_PATTERN } from '@station/time';

/**
 * Converts a manifest duration to whole milliseconds; `undefined` when it is not one.
 * @example toMilliseconds('1.5s') // 1500
 */
export function toMilliseconds(value: unknown): number | undefined {
  const ms = parseDuration(value);
  return ms === undefined ? undefined : Math.round(ms);
}
