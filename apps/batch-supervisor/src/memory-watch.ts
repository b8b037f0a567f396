// The per-batch memory limit (`limits.memory_mb`, station.yaml) as a watchdog: the runner's resident set
// (VmRSS in /proc/<pid>/status) is sampled every `memorySampleMs`, and the first sample past the limit
// ends the runner. SIGKILL, not a graceful stop: a process that is past its limit and still growing
// would only grow further while it winds down, which is what the kernel's own memory.max would do too.
import { readFileSync } from 'node:fs';

/** Reads a process's resident memory; undefined when it is gone (or the platform has no /proc). */
export type RssProbe = (pid: number) => number | undefined;

/** VmRSS of `/proc/<pid>/status`, in bytes. */
export const procRss: RssProbe = (pid) => {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
};

/** The megabytes (MiB) a limit or a reading is reported in. */
export const MB = 1024 * 1024;

export interface MemoryWatch {
  pid: number;
  limitMb: number;
  everyMs: number;
  probe: RssProbe;
  /** Waits between samples; injectable so a test decides when the next sample is taken. */
  sleep: (ms: number) => Promise<void>;
  /** Whether to keep watching (the batch still runs this very process). */
  live(): boolean;
  /** The first sample past the limit, in bytes; watching ends. */
  onOver(rssBytes: number): void;
}

/** Samples until `live()` turns false, the process is gone, or the limit is passed. */
export async function watchMemory(w: MemoryWatch): Promise<void> {
  const limit = w.limitMb * MB;
  while (w.live()) {
    const rss = w.probe(w.pid);
    if (rss === undefined) return;
    if (rss > limit) {
      w.onOver(rss);
      return;
    }
    await w.sleep(w.everyMs);
  }
}

/** "RSS 311 MB passed the limit of 256 MB (limits.memory_mb)". */
export function overLimitMessage(rssBytes: number, limitMb: number): string {
  return `RSS ${Math.round(rssBytes / MB)} MB passed the limit of ${limitMb} MB (limits.memory_mb)`;
}
