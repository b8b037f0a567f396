// Every station process's Prometheus registry (prom-client): the process's default metrics (CPU, memory,
// event-loop lag, GC) and its own, each series labelled with the service, answered over the bus by the
// `metrics` method and merged by the gateway into the station's one `/metrics`.
import { droppedLogLines } from '@station/log';
import type { Verdict } from '@station/model';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Latency buckets in seconds, from 0.5 ms (loopback bus hops) to 10 s (slow service calls). */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Buckets for work measured in seconds to minutes: a test step, a delivery to the Backend. */
export const WORK_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface RegistryOptions {
  /** Collect prom-client's default process metrics (default true; tests of one metric turn it off). */
  defaults?: boolean;
}

/**
 * Default metrics left out: V8's heap spaces, which Bun (JavaScriptCore) reports as a dozen zeros, and whose
 * reading walks the heap (about 4 ms a scrape per process, 52 processes on a 50-batch station).
 */
const LEFT_OUT = [
  'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes',
];

/**
 * How often the event loop's delay is sampled (prom-client's `nodejs_eventloop_lag_*`). Its default, 10 ms,
 * wakes every process 100 times a second: an idle runner spent about 8 ms of CPU a second on it, 0.4 of a
 * core for 50 runners doing nothing. A stall still shows whole at this period: the tick after it is late by
 * as long as the stall lasted.
 */
const EVENT_LOOP_SAMPLE_MS = 1000;

/**
 * A registry whose every series carries `service` (`supervisor`, `runner.batch_1`, ...), with the log
 * lines this process could not write (`station_log_lines_dropped`).
 * @example const registry = serviceRegistry('sync'); new Counter({ name, help, registers: [registry] })
 */
export function serviceRegistry(service: string, opts: RegistryOptions = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  new Gauge({
    name: 'station_log_lines_dropped',
    help: 'Log lines this process could not write to a file (full disk) since it started.',
    registers: [registry],
    collect() {
      this.set(droppedLogLines());
    },
  });
  if (opts.defaults ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    for (const name of LEFT_OUT) registry.removeSingleMetric(name);
  }
  return registry;
}

/** How a run ended, for `station_runs_total`: the yield is pass / (pass + fail). */
export type RunVerdict = 'pass' | 'fail' | 'aborted' | 'error';
export const RUN_VERDICTS: readonly RunVerdict[] = ['pass', 'fail', 'aborted', 'error'];

/** Each verdict as a label: a new verdict in the model that has no label here does not compile. */
const LABELS: Record<Verdict, RunVerdict> = {
  PASS: 'pass',
  FAIL: 'fail',
  ABORTED: 'aborted',
  ERROR: 'error',
};

/** The verdict label of a `sequence_complete`: the verdict the run ended with, as it was given. */
export function runVerdict(end: { verdict: Verdict }): RunVerdict {
  return LABELS[end.verdict];
}

/**
 * `station_runs_total` in `registry`. The runner counts the runs it ends; the supervisor the ones whose
 * runner died (it ends those), so `sum by (batch, verdict)` over both is every run of a batch.
 */
export function runsCounter(registry: Registry): Counter<'batch' | 'verdict'> {
  return new Counter({
    name: 'station_runs_total',
    help: 'Sequence runs finished on the batch, by verdict (pass, fail, aborted, error).',
    labelNames: ['batch', 'verdict'],
    registers: [registry],
  });
}
