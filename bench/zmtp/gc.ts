/**
 * Allocation and garbage-collection figures of the benchmark roles, printed next to latency so that a
 * change which makes the hot path allocate again shows up in the report, not only as a worse p99.
 *
 * - Allocation (Bun roles): cells per message from JavaScriptCore's per-type live-object counts, taken
 *   over a batch of messages after a full collection and thrown away if a collection ran during it; bytes
 *   from the growth of the heap's block capacity over the same batch (JS heap only: the bytes behind a
 *   Buffer live outside it, its Uint8Array cell is counted).
 * - Collections (Bun roles): JavaScriptCore logs every collection with its pause when run with
 *   BUN_JSC_logGC=1 (worker.ts sets it); each role marks the start and end of its measured phase on
 *   stderr, so only collections inside the measured round trips are counted. Node roles report their
 *   own from perf_hooks 'gc' entries (theirs.cjs).
 * - JIT (Bun roles): milliseconds JavaScriptCore spent compiling during the measured phase
 *   (BUN_JSC_reportTotalCompileTimes=1). Its DFG/FTL compilers run on background threads; pinned to one
 *   core they take turns with the round trips, and that, not garbage collection, was the p99 tail
 *   (issue 23): about 240 ms of compiling per process still ran after 5,000 warm-up round trips.
 */

import { gcAndSweep, heapStats, totalCompileTime } from 'bun:jsc';
import { writeSync } from 'node:fs';

const MARK = 'zmtp-bench-phase ';

/** Collections seen in the measured phase of one process (or summed over the processes of a case). */
export interface GcStats {
  count: number;
  /** Sum of the stop-the-world pauses, ms. */
  pauseMs: number;
  maxPauseMs: number;
  /** JIT compile time in the measured phase, ms (Bun roles only; NaN for Node). */
  jitMs: number;
}

/** Allocation per message of one process (or summed over the processes of a case). */
export interface Allocation {
  objects: number;
  bytes: number;
}

let compiledBefore = 0;

/**
 * Writes a phase marker to stderr synchronously, so it lands in order with the engine's GC log; the
 * end marker carries the JIT compile time spent since the start marker.
 */
export function markPhase(phase: 'measure' | 'end'): void {
  if (phase === 'measure') {
    compiledBefore = totalCompileTime();
    writeSync(2, `${MARK}measure\n`);
  } else {
    writeSync(2, `${MARK}end jit=${totalCompileTime() - compiledBefore}\n`);
  }
}

/** Measures allocation per message over a batch run by `batch` (a full GC first; retried if a GC hits). */
export async function allocationOf(batch: () => Promise<number>): Promise<Allocation | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const probe = startProbe();
    const messages = await batch();
    const result = probe.stop(messages);
    if (result !== undefined) return result;
  }
  return undefined;
}

/** Starts counting; `stop(messages)` returns per-message figures, undefined if a collection intervened. */
export function startProbe(): { stop(messages: number): Allocation | undefined } {
  gcAndSweep();
  const before = heapStats();
  // A collection during the batch would drop dead cells from the counts; this object tells us if one ran.
  const canary = new WeakRef({});
  return {
    stop(messages) {
      const after = heapStats();
      if (canary.deref() === undefined || messages <= 0) return undefined;
      let objects = 0;
      for (const [type, count] of Object.entries(after.objectTypeCounts)) {
        objects += count - (before.objectTypeCounts[type] ?? 0);
      }
      return {
        objects: objects / messages,
        bytes: (after.heapCapacity - before.heapCapacity) / messages,
      };
    },
  };
}

/** Reads a Bun role's stderr: the GC log lines between its 'measure' and 'end' markers. */
export class GcLog {
  private phase: 'before' | 'measure' | 'end' = 'before';
  private readonly stats: GcStats = { count: 0, pauseMs: 0, maxPauseMs: 0, jitMs: Number.NaN };
  private partial = '';

  feed(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** Collections inside the measured phase; undefined until the role marked its end. */
  get measured(): GcStats | undefined {
    return this.phase === 'end' ? { ...this.stats } : undefined;
  }

  private line(line: string): void {
    if (line.startsWith(MARK)) {
      const [phase, jit] = line.slice(MARK.length).trim().split(' jit=');
      this.phase = phase === 'measure' ? 'measure' : 'end';
      if (jit !== undefined) this.stats.jitMs = Number(jit);
      return;
    }
    if (this.phase !== 'measure') return;
    // e.g. "[GC<0x..>: START M 9532kb => EdenCollection, ... => 173kb, p=2.411518ms (max 56.7), cycle ..."
    const pause = /\bp=([\d.]+)ms/.exec(line);
    if (pause === null || !line.includes('START')) return;
    const ms = Number(pause[1]);
    this.stats.count += 1;
    this.stats.pauseMs += ms;
    this.stats.maxPauseMs = Math.max(this.stats.maxPauseMs, ms);
  }
}

/** Adds up the figures of the processes of one case. */
export function sumGc(all: readonly (GcStats | undefined)[]): GcStats | undefined {
  if (all.some((stats) => stats === undefined)) return undefined;
  const total: GcStats = { count: 0, pauseMs: 0, maxPauseMs: 0, jitMs: 0 };
  for (const stats of all) {
    if (stats === undefined) continue;
    total.count += stats.count;
    total.pauseMs += stats.pauseMs;
    total.maxPauseMs = Math.max(total.maxPauseMs, stats.maxPauseMs);
    total.jitMs += stats.jitMs ?? Number.NaN;
  }
  return total;
}

/** Adds up the per-message allocation of the processes of one case. */
export function sumAllocation(all: readonly (Allocation | undefined)[]): Allocation | undefined {
  if (all.some((allocation) => allocation === undefined)) return undefined;
  let objects = 0;
  let bytes = 0;
  for (const allocation of all) {
    objects += allocation?.objects ?? 0;
    bytes += allocation?.bytes ?? 0;
  }
  return { objects, bytes };
}
