// The `health` answer every station service gives on the bus (supervisor, sync agent, each runner): who it
// is, its pid, how long it has run and the log lines it could not write. The gateway folds these into
// /api/system/health and the disk warnings.

import { droppedLogLines } from '@station/log';
import type { Health } from '@station/model';
import { type Clock, systemClock } from '@station/time';

/**
 * The `health` handler of `service`, its uptime counted on `clock` from `startedAt` (default: now).
 * @example serve({ service: 'sync', handlers: { health: healthHandler('sync'), ... } })
 */
export function healthHandler(
  service: string,
  clock: Clock = systemClock,
  startedAt = clock.now(),
): () => Health {
  return () => ({
    service,
    pid: process.pid,
    uptime: (clock.now() - startedAt) / 1000,
    logLinesDropped: droppedLogLines(),
  });
}
