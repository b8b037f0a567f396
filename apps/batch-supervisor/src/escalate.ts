// Ending a runner in escalating steps: ask it on the bus to shut down (it aborts its sequence and puts the
// hardware in a safe state), SIGTERM when it does not go within the grace, SIGKILL after a second grace.
import type { BusLogger } from '@station/bus';
import { exitsWithin, terminate } from '@station/service/terminate';
import type { Timers } from '@station/time';
import type { RunnerLink, RunnerProcess, StopReason, Timings } from './types.ts';

/** Which step ended the process, or `alive` when even SIGKILL did not. */
export type EndedBy = 'shutdown' | 'SIGTERM' | 'SIGKILL' | 'alive';

/**
 * Ends `proc` and resolves with the step that did it. A runner that refuses or cannot hear the `shutdown`
 * request (not registered yet, hung) gets SIGTERM at once instead of after the grace.
 */
export async function endRunner(
  batchId: string,
  proc: RunnerProcess,
  link: RunnerLink,
  timings: Pick<Timings, 'shutdownGraceMs' | 'termGraceMs'>,
  logger: BusLogger,
  clock: Timers,
  reason: StopReason = 'ABORTED',
): Promise<EndedBy> {
  let gone = false;
  const exited = proc.exited.then(() => {
    gone = true;
  });
  const asked = await Promise.race([link.shutdown(batchId, timings.shutdownGraceMs, reason), exited]);
  if (gone) return 'shutdown';
  if (asked?.ok && (await exitsWithin(exited, timings.shutdownGraceMs, clock))) return 'shutdown';
  return terminate(proc, {
    graceMs: timings.termGraceMs,
    killGraceMs: timings.termGraceMs,
    clock,
    onSignal: (signal) => {
      if (signal === 'SIGTERM') {
        logger.warn(
          { batchId, pid: proc.pid, asked: asked?.ok ?? false },
          'runner still up; sending SIGTERM',
        );
      } else logger.warn({ batchId, pid: proc.pid }, 'runner ignored SIGTERM; sending SIGKILL');
    },
  });
}
