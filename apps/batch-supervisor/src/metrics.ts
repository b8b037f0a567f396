// The supervisor's metrics, read from its own view of the batches at scrape time: each batch's state, its
// runner's resident memory (as the memory watchdog reads it) against its limit, and the automatic restarts
// the restart policy made. Kept here rather than in the runner: they outlive a runner that died. The runs
// the supervisor ends (their runner died) are counted from the `sequence_complete` it publishes.

import type { BatchConfig } from '@station/config';
import type { StationEvent } from '@station/model';
import { runsCounter, runVerdict, serviceRegistry } from '@station/service/metrics';
import { Counter, Gauge, type Registry } from 'prom-client';
import { MB, procRss, type RssProbe } from './memory-watch.ts';
import type { Supervisor } from './supervisor.ts';

const STATES = ['idle', 'starting', 'running', 'stopping', 'error'] as const;

export interface SupervisorMetricsOptions {
  batches: readonly BatchConfig[];
  /** Reads a runner's resident memory (default: VmRSS of /proc/<pid>/status). */
  rss?: RssProbe;
  /** Collect prom-client's default process metrics (default true). */
  defaults?: boolean;
  /** Hears a batch whose figures could not be read (the scrape goes on without them). */
  onError?: (err: unknown) => void;
}

/** The supervisor's registry, and what counts the events it publishes. */
export interface SupervisorMetrics {
  registry: Registry;
  /** Counts a run the supervisor ended (`sequence_complete` of a runner that died). */
  observe(event: StationEvent): void;
}

/** The `supervisor` registry, reading `supervisor` at every scrape. */
export function supervisorMetrics(
  supervisor: Pick<Supervisor, 'get'>,
  opts: SupervisorMetricsOptions,
): SupervisorMetrics {
  const registry = serviceRegistry('supervisor', { defaults: opts.defaults });
  const registers = [registry];
  const rss = opts.rss ?? procRss;
  // One read of every batch per scrape, shared by the collectors below (prom-client runs them together).
  let reading: Promise<void> | undefined;
  const collect = () => {
    reading ??= readAll().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  const state = new Gauge({
    name: 'station_batch_state',
    help: 'The state of each batch: 1 for the state it is in, 0 for the others.',
    labelNames: ['batch', 'state'],
    registers,
    collect,
  });
  const memory = new Gauge({
    name: 'station_runner_resident_memory_bytes',
    help: "Resident memory (VmRSS) of the batch's runner process; absent while no runner runs.",
    labelNames: ['batch'],
    registers,
    collect,
  });
  const limit = new Gauge({
    name: 'station_runner_memory_limit_bytes',
    help: "The batch's limits.memory_mb in bytes; the runner is killed past it. Absent when unlimited.",
    labelNames: ['batch'],
    registers,
  });
  const restarts = new Counter({
    name: 'station_runner_restarts_total',
    help: "Automatic restarts of the batch's runner by its restart policy since the supervisor started.",
    labelNames: ['batch'],
    registers,
    collect,
  });
  const runs = runsCounter(registry);
  for (const b of opts.batches) {
    if (b.limits?.memory_mb !== undefined) limit.set({ batch: b.id }, b.limits.memory_mb * MB);
  }
  async function readAll(): Promise<void> {
    state.reset();
    memory.reset();
    restarts.reset();
    for (const b of opts.batches) {
      try {
        const d = await supervisor.get(b.id);
        for (const s of STATES) state.set({ batch: b.id, state: s }, d.status === s ? 1 : 0);
        restarts.inc({ batch: b.id }, d.restarts);
        const bytes = d.pid === undefined ? undefined : rss(d.pid);
        if (bytes !== undefined) memory.set({ batch: b.id }, bytes);
      } catch (err) {
        opts.onError?.(err);
      }
    }
  }
  return {
    registry,
    observe(event) {
      if (event.type === 'sequence_complete')
        runs.inc({ batch: event.batch_id, verdict: runVerdict(event.data) });
    },
  };
}
