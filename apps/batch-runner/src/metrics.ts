// The runner's own metrics, counted from the events it publishes (so they say exactly what screens saw):
// runs by verdict, run and step durations. Served over the bus by `metrics`; the supervisor reports the
// runner's memory and restarts, which outlive this process.
import type { StationEvent } from '@station/model';
import {
  RUN_VERDICTS,
  runsCounter,
  runVerdict,
  serviceRegistry,
  WORK_BUCKETS,
} from '@station/service/metrics';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Metrics of `runner.<batchId>`. */
export class RunnerMetrics {
  readonly registry: Registry;
  readonly #runs: Counter<'batch' | 'verdict'>;
  readonly #runDuration: Histogram<'batch'>;
  readonly #stepDuration: Histogram<'batch' | 'step'>;
  readonly #steps: Counter<'batch' | 'status'>;

  constructor(
    readonly batchId: string,
    opts: { defaults?: boolean } = {},
  ) {
    this.registry = serviceRegistry(`runner.${batchId}`, opts);
    const registers = [this.registry];
    this.#runs = runsCounter(this.registry);
    this.#runDuration = new Histogram({
      name: 'station_run_duration_seconds',
      help: 'Duration of finished sequence runs on the batch.',
      labelNames: ['batch'],
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.#stepDuration = new Histogram({
      name: 'station_step_duration_seconds',
      help: 'Duration of finished steps on the batch, by step name.',
      labelNames: ['batch', 'step'],
      buckets: WORK_BUCKETS,
      registers,
    });
    this.#steps = new Counter({
      name: 'station_steps_total',
      help: 'Steps finished on the batch, by status (completed, failed, skipped).',
      labelNames: ['batch', 'status'],
      registers,
    });
    // Zero series from the start, so a rate over the first run is not missing its beginning.
    for (const verdict of RUN_VERDICTS) this.#runs.inc({ batch: batchId, verdict }, 0);
  }

  /** Counts what one published event says. */
  observe(event: StationEvent): void {
    const batch = this.batchId;
    if (event.type === 'step_complete') {
      this.#stepDuration.observe({ batch, step: event.data.step }, event.data.duration);
      this.#steps.inc({ batch, status: event.data.status ?? (event.data.pass ? 'completed' : 'failed') });
    } else if (event.type === 'sequence_complete') {
      this.#runs.inc({ batch, verdict: runVerdict(event.data) });
      this.#runDuration.observe({ batch }, event.data.duration);
    }
  }
}
