// How bench/gateway measures the API: requests sent open-loop (on a fixed schedule, not waiting for the
// answers, so a stalled server cannot hide its queue) and their latency from the scheduled time, summarised
// as p50/p95/p99. Used by bench/gateway/run.ts and, while 100 batches loop, by bench/supervisor/scale.ts.

/** Requests waiting for an answer at most; a request due beyond that is counted as skipped. */
const MAX_OUTSTANDING = 2000;

/** The p-th percentile (0..100) of already sorted samples, nearest-rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The 99th percentile of `samples`. */
export function p99(samples: number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    99,
  );
}

/** One line: the label, the count, p50, p95 and p99 in ms. */
export function summary(label: string, samples: number[], extra = ''): string {
  const s = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(2).padStart(8);
  return `${label.padEnd(48)} n=${String(s.length).padStart(6)}  p50 ${f(percentile(s, 50))} ms  p95 ${f(percentile(s, 95))} ms  p99 ${f(percentile(s, 99))} ms${extra}`;
}

/** Sends `rate` requests per second for `seconds` on a fixed schedule; returns latencies and failures. */
export async function openLoop(
  url: string,
  rate: number,
  seconds: number,
): Promise<{ latencies: number[]; errors: number; skipped: number }> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  let skipped = 0;
  let outstanding = 0;
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    // From the scheduled time, or from the send when the timer let it go a little early.
    const from = Math.min(due, performance.now());
    if (outstanding >= MAX_OUTSTANDING) {
      skipped++;
      continue;
    }
    outstanding++;
    // Latency from the scheduled time, so a stalled server cannot hide queueing (coordinated omission).
    inflight.push(
      fetch(url)
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.ok) latencies.push(performance.now() - from);
          else errors++;
        })
        .catch(() => {
          errors++;
        })
        .finally(() => {
          outstanding--;
        }),
    );
  }
  await Promise.all(inflight);
  return { latencies, errors, skipped };
}
