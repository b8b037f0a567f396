// The real health probes: a write lock taken and released on the store, and the data folder's disk usage.
import type { Database } from 'bun:sqlite';
import { statfs } from 'node:fs/promises';
import type { CheckResult, DiskUsage, HealthProbes } from './types.ts';

/** Probes against the open store's connection and the data folder. */
export function defaultProbes(sqlite: Database, dataDir: string): HealthProbes {
  return {
    async database(): Promise<CheckResult> {
      try {
        // BEGIN IMMEDIATE takes the write lock without writing: it fails when the file or folder is
        // read-only, the disk is gone, or another process holds the lock past the busy timeout.
        sqlite.run('BEGIN IMMEDIATE');
        sqlite.run('ROLLBACK');
        return { ok: true };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    },
    async disk(): Promise<DiskUsage> {
      const s = await statfs(dataDir);
      const total = s.blocks * s.bsize;
      // bavail, not bfree: space reserved for root is not space the station can use.
      const free = s.bavail * s.bsize;
      return {
        path: dataDir,
        totalBytes: total,
        freeBytes: free,
        usedRatio: total > 0 ? 1 - free / total : 0,
      };
    },
  };
}
