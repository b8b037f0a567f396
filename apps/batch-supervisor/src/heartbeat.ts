// The heartbeat of a running runner: its `status` asked every period. Each answer refreshes what the
// supervisor caches for `batch.get` and says whether the runner needs recycling; answers missed in a row
// while the process lives mean its event loop is stuck (hung). Nothing is published per beat.
import type { RunnerStatus } from '@station/model';
import { sleep, type Timers } from '@station/time';
import type { RunnerLink, Timings } from './types.ts';

export interface HeartbeatHooks {
  /** Whether to keep beating (the batch is still running this very process). */
  live(): boolean;
  /** A fresh status from the runner. */
  onStatus(status: RunnerStatus): void;
  /** `misses` periods in a row without an answer, the last failure's message. */
  onHung(reason: string): void;
  /** The first beat waits for this (the supervisor's cold-start wave to end). */
  after?: Promise<void>;
}

/**
 * Beats until `live()` turns false or the runner is declared hung. Silence while the supervisor's own
 * link to the broker is down is not counted: it says nothing about the runner.
 */
export async function heartbeat(
  batchId: string,
  pid: number,
  link: RunnerLink,
  timings: Pick<Timings, 'heartbeatMs' | 'heartbeatTimeoutMs' | 'heartbeatMisses'>,
  clock: Timers,
  hooks: HeartbeatHooks,
): Promise<void> {
  let misses = 0;
  if (hooks.after) await hooks.after;
  while (hooks.live()) {
    const began = clock.now();
    const r = await link.status(batchId, timings.heartbeatTimeoutMs);
    if (!hooks.live()) return;
    if (r.ok && r.value.pid === pid) {
      misses = 0;
      hooks.onStatus(r.value);
    } else if (!r.ok && !r.brokerDown) {
      misses++;
      if (misses >= timings.heartbeatMisses) {
        hooks.onHung(`no heartbeat answer for ${misses} periods of ${timings.heartbeatMs} ms (${r.message})`);
        return;
      }
    }
    await sleep(timings.heartbeatMs - (clock.now() - began), undefined, undefined, clock);
  }
}
