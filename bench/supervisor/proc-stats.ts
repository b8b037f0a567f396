// Reading a process's CPU time and memory from /proc (Linux), for the supervisor benchmark.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux the station runs on

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS_PER_SECOND;
}

/** Resident memory of a process in bytes (0 when it is gone). */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** What a process's resident memory is made of, in bytes (see `memoryOf`). */
export interface MemoryParts {
  rss: number;
  shared: number;
  private: number;
  anonymous: number;
  /** Proportional set size: each page divided by the number of processes mapping it. */
  pss: number;
  pssAnon: number;
  pssFile: number;
}

/**
 * What a process's resident memory is made of (bytes; zeros when it is gone): `rss` as the kernel counts it,
 * `shared` the part other processes map too (the Bun executable's own pages, which every runner shares),
 * `private` the part only this process holds (what one more runner costs), `anonymous` its heaps, and
 * `pss` (with its anonymous and file-backed parts) the RSS with shared pages split among their sharers:
 * summed over processes, it is the memory they use together.
 */
export function memoryOf(pid: number): MemoryParts {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return {
      rss: kb('Rss'),
      shared: kb('Shared_Clean') + kb('Shared_Dirty'),
      private: kb('Private_Clean') + kb('Private_Dirty'),
      anonymous: kb('Anonymous'),
      pss: kb('Pss'),
      pssAnon: kb('Pss_Anon'),
      pssFile: kb('Pss_File'),
    };
  } catch {
    return { rss: 0, shared: 0, private: 0, anonymous: 0, pss: 0, pssAnon: 0, pssFile: 0 };
  }
}

/** The p-th percentile (0..100) of `values`, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const ms = (n: number) => `${n.toFixed(0)} ms`;

/** The whole machine's CPU time so far (/proc/stat, every core), in seconds: busy (all but idle) and total. */
export function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/**
 * Where a cold start's CPU went, as printed lines: the runners' own CPU (sum, and per runner), the
 * supervisor's and the broker's, how busy the machine was meanwhile (everyone's work, not only ours), and
 * the floor our processes' CPU sets on the wall time (their CPU divided by the cores).
 */
export function coldStartCpu(opts: {
  wallMs: number;
  cores: number;
  machine: { busy: number; total: number };
  runnerPids: number[];
  supervisorPid: number;
  brokerPid: number;
}): string[] {
  const runners = opts.runnerPids.map((pid) => cpuSeconds(pid) * 1000);
  const sum = runners.reduce((a, b) => a + b, 0);
  const supervisor = cpuSeconds(opts.supervisorPid) * 1000;
  const broker = cpuSeconds(opts.brokerPid) * 1000;
  const now = machineCpu();
  const busyCores = ((now.busy - opts.machine.busy) / (now.total - opts.machine.total)) * opts.cores;
  const ours = (sum + supervisor + broker) / opts.wallMs;
  return [
    `  CPU: runners ${ms(sum)} in all (median ${ms(percentile(runners, 50))}, p95 ${ms(percentile(runners, 95))} each), supervisor ${ms(supervisor)}, broker ${ms(broker)}`,
    `  the machine was busy ${busyCores.toFixed(2)} of ${opts.cores} cores meanwhile, ${ours.toFixed(2)} of them ours; the floor our CPU sets: ${ms((sum + supervisor + broker) / opts.cores)}`,
  ];
}
