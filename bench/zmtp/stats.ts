/** Small statistics helpers shared by the benchmark roles and the report. */
import { markPhase } from './gc.ts';

/** Latency summary of round-trip samples given in milliseconds; the result is in microseconds. */
export function percentiles(samples: ArrayLike<number>): { p50: number; p99: number; n: number } {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) =>
    (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN) * 1000;
  return { p50: at(0.5), p99: at(0.99), n: sorted.length };
}

/** Median of the finite values (NaN when there are none), used across the repeated runs of a case. */
export function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1
    ? (finite[middle] ?? Number.NaN)
    : ((finite[middle - 1] ?? Number.NaN) + (finite[middle] ?? Number.NaN)) / 2;
}

/**
 * Times `count` round trips after `warmup` unmeasured ones and returns their percentiles (ms). The
 * measured phase is marked on stderr for the GC count (gc.ts).
 */
export async function timeRoundTrips(
  roundTrip: () => Promise<void>,
  warmup: number,
  count: number,
): Promise<{ p50: number; p99: number; n: number }> {
  const samples = new Float64Array(count);
  for (let i = 0; i < warmup; i += 1) await roundTrip();
  markPhase('measure');
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    await roundTrip();
    samples[i] = performance.now() - start;
  }
  markPhase('end');
  return percentiles(samples);
}
