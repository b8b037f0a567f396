// The station's disk as the gateway reports it (health and /metrics): the data folder's free space judged
// against `storage.min_free_mb` / `warn_free_mb` by the same rule the runners refuse starts with, and (for
// health) the log lines each process could not write, asked of every process over the bus.
import { runnerService } from '@station/bus/contract';
import { droppedLogLines } from '@station/log';
import { judgeStorage, type StorageState } from '@station/service/storage';
import type { RouteContext } from './context.ts';

const MB = 1024 * 1024;

/** Sets the disk gauges of /metrics from a fresh reading (each process reports its own dropped lines). */
export async function refreshStorageMetrics(ctx: RouteContext): Promise<void> {
  const disk = await readDisk(ctx);
  ctx.metrics.diskFree.set(disk.freeBytes);
  ctx.metrics.diskMinFree.set(disk.minFreeBytes);
}

/** Log lines dropped per process (`api-gateway`, `supervisor`, `sync`, `runner.<batchId>`). */
export interface LogDrops {
  droppedLines: number;
  byService: Record<string, number>;
}

/** The data folder's reading; `usedRatio` is null when it could not be read. */
export type DiskReading = StorageState & { usedRatio: number | null; error?: string };

/** Reads the data folder's file system through the gateway's disk probe. */
export async function readDisk(ctx: RouteContext): Promise<DiskReading> {
  const { storage, paths } = ctx.config;
  const min = storage.min_free_mb * MB;
  const warn = storage.warn_free_mb * MB;
  try {
    const d = await ctx.deps.probes.disk();
    const state = judgeStorage(d.path, { freeBytes: d.freeBytes, totalBytes: d.totalBytes }, min, warn);
    return { ...state, usedRatio: d.usedRatio };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return { ...judgeStorage(paths.data_dir, error, min, warn), usedRatio: null, error: error.message };
  }
}

/**
 * Every process's count of dropped log lines: the gateway's own, and the `health` answer of the
 * supervisor (its answer passed in when the caller asked already), the sync agent and each batch's
 * runner. A process that does not answer is left out.
 */
export async function readLogDrops(
  ctx: RouteContext,
  supervisorHealth?: Promise<{ logLinesDropped?: number }>,
): Promise<LogDrops> {
  const ms = ctx.timeouts.health;
  const asks: [string, Promise<{ logLinesDropped?: number }>][] = [
    ['supervisor', supervisorHealth ?? ctx.calls.call('supervisor', 'health', {}, ms)],
    ['sync', ctx.calls.call('sync', 'health', {}, ms)],
    ...ctx.config.batches.map((b): [string, Promise<{ logLinesDropped?: number }>] => [
      runnerService(b.id),
      ctx.calls.call(runnerService(b.id), 'health', {}, ms),
    ]),
  ];
  const byService: Record<string, number> = { 'api-gateway': droppedLogLines() };
  const answers = await Promise.allSettled(asks.map(([, p]) => p));
  answers.forEach((a, i) => {
    if (a.status === 'fulfilled' && typeof a.value.logLinesDropped === 'number') {
      byService[asks[i]![0]] = a.value.logLinesDropped;
    }
  });
  const droppedLines = Object.values(byService).reduce((n, v) => n + v, 0);
  return { droppedLines, byService };
}
