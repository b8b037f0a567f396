// `/api/system/health`: every part the station needs, checked at once with short deadlines, folded into
// healthy / degraded / unhealthy with the reasons. Unhealthy = no batch can run (broker, supervisor or
// database down); degraded = results wait or space runs out (sync agent away, disk past 80 % or below
// storage.warn_free_mb (below min_free_mb starts are refused), or whatever
// the sync agent reports: Backend unreachable, deliveries failing, results rejected). Whether the Backend
// accepts our results is the sync agent's fact (sync.status); the gateway only reports it.
import type { StorageLevel } from '@station/service/storage';
import type { RouteContext } from './context.ts';
import { ApiError } from './errors.ts';
import { type LogDrops, readDisk, readLogDrops } from './storage-status.ts';

/** Disk usage above this share of the data folder's file system makes the station degraded. */
export const DISK_THRESHOLD = 0.8;

export type OverallStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface ServiceCheck {
  reachable: boolean;
  error?: string;
}

/** The HealthStatus body. */
export interface HealthStatus {
  status: OverallStatus;
  /** Why the status is not healthy, one sentence each; empty when healthy. */
  reasons: string[];
  backend_connected: boolean;
  timestamp: string;
  services: { broker: ServiceCheck; supervisor: ServiceCheck; sync: ServiceCheck };
  database: { writable: boolean; error?: string };
  disk: {
    path: string;
    usedPercent: number | null;
    thresholdPercent: number;
    ok: boolean;
    /** ok, warn (below storage.warn_free_mb) or low (below storage.min_free_mb: starts refused). */
    level: StorageLevel;
    freeBytes: number;
    totalBytes: number;
    minFreeBytes: number;
    warnFreeBytes: number;
    error?: string;
  };
  sync: {
    mode: 'online' | 'offline';
    pending: number | null;
    rejected: number;
    deliveryFailingSince: string | null;
    lastError: string | null;
  } | null;
  logs: LogDrops;
}

function message(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return { ok: false, error: message(err) };
  }
}

/** Runs every check concurrently; resolves within about one `timeouts.health`. */
export async function checkHealth(ctx: RouteContext): Promise<HealthStatus> {
  const { calls, timeouts, deps } = ctx;
  const ms = timeouts.health;
  const supervisorHealth = calls.call('supervisor', 'health', {}, ms);
  const [broker, supervisor, syncStatus, database, disk, logs] = await Promise.all([
    settle(calls.call('broker', 'ping', {}, ms)),
    settle(supervisorHealth),
    settle(calls.call('sync', 'sync.status', {}, ms)),
    settle(deps.probes.database()),
    readDisk(ctx),
    readLogDrops(ctx, supervisorHealth),
  ]);

  const services = {
    broker: broker.ok ? { reachable: true } : { reachable: false, error: broker.error },
    supervisor: supervisor.ok ? { reachable: true } : { reachable: false, error: supervisor.error },
    sync: syncStatus.ok ? { reachable: true } : { reachable: false, error: syncStatus.error },
  };
  const db =
    database.ok && database.value.ok
      ? { writable: true }
      : { writable: false, error: database.ok ? (database.value.error ?? 'not writable') : database.error };
  const usedPast = disk.usedRatio !== null && disk.usedRatio > DISK_THRESHOLD;
  const diskPart = {
    path: disk.path,
    usedPercent: disk.usedRatio === null ? null : Math.round(disk.usedRatio * 1000) / 10,
    thresholdPercent: DISK_THRESHOLD * 100,
    ok: disk.level === 'ok' && !usedPast,
    level: disk.level,
    freeBytes: disk.freeBytes,
    totalBytes: disk.totalBytes,
    minFreeBytes: disk.minFreeBytes,
    warnFreeBytes: disk.warnFreeBytes,
    ...(disk.error === undefined ? {} : { error: disk.error }),
  };
  const sync = syncStatus.ok
    ? {
        mode: syncStatus.value.mode,
        pending: syncStatus.value.pending,
        rejected: syncStatus.value.rejected,
        deliveryFailingSince: syncStatus.value.deliveryFailingSince,
        lastError: syncStatus.value.lastError,
      }
    : null;
  const backendConnected = syncStatus.ok && syncStatus.value.backendConnected;

  const failing: string[] = [];
  if (!services.broker.reachable) failing.push(`broker unreachable: ${services.broker.error}`);
  if (!services.supervisor.reachable) failing.push(`supervisor unreachable: ${services.supervisor.error}`);
  if (!db.writable) failing.push(`database not writable: ${db.error}`);
  const degrading: string[] = [];
  if (!services.sync.reachable) degrading.push(`sync agent unreachable: ${services.sync.error}`);
  // A full disk is degraded, not unhealthy: runs in progress go on, and a 503 here would make an
  // orchestrator restart services, which frees no space.
  if (disk.reason) degrading.push(disk.reason);
  else if (usedPast) {
    degrading.push(`disk ${diskPart.usedPercent} % full (threshold ${diskPart.thresholdPercent} %)`);
  }
  // Offline mode (no backend.url) is a configuration, not a fault: the agent then reports no problems.
  if (syncStatus.ok) degrading.push(...syncStatus.value.problems);
  const reasons = [...failing, ...degrading];
  const status: OverallStatus =
    failing.length > 0 ? 'unhealthy' : degrading.length > 0 ? 'degraded' : 'healthy';

  return {
    status,
    reasons,
    backend_connected: backendConnected,
    timestamp: new Date(ctx.clock.now()).toISOString(),
    services,
    database: db,
    disk: diskPart,
    sync,
    logs,
  };
}
