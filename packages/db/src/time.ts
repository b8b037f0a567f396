// Timestamps in the store are fixed-width ISO-8601 UTC text with milliseconds, so that text order is time
// order (indexes, ORDER BY, range filters) and the sqlite3 CLI shows them readably.
import { StoreError } from './errors.ts';

/** A point in time as callers hand it in: a Date, epoch milliseconds, or any string Date can parse. */
export type TimeInput = Date | number | string;

/** Normalises a time to the store's text form, e.g. `2026-11-29T07:00:00.000Z`. */
export function toIso(time: TimeInput, field = 'time'): string {
  const date = time instanceof Date ? time : new Date(time);
  const ms = date.getTime();
  if (Number.isNaN(ms)) {
    throw new StoreError('INVALID_ARGUMENT', `${field} is not a valid time: ${String(time)}`);
  }
  const iso = date.toISOString();
  // Years outside 0000-9999 get a sign and six digits, which would break text ordering.
  if (iso.length !== 24) {
    throw new StoreError('INVALID_ARGUMENT', `${field} is outside the years 0000-9999: ${iso}`);
  }
  return iso;
}

/** Milliseconds since the epoch of a stored timestamp. */
export function isoToMs(iso: string): number {
  return Date.parse(iso);
}

/** Seconds between two stored timestamps, never negative (clocks step backwards on real stations). */
export function secondsBetween(fromIso: string, toIsoText: string): number {
  return Math.max(0, (isoToMs(toIsoText) - isoToMs(fromIso)) / 1000);
}
