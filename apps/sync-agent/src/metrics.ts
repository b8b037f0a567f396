// The sync agent's metrics: the outbox by state (read from the store at scrape time), and each delivery's
// outcome, round trip, failure class and the lag from a result being queued to the Backend taking it.
import { serviceRegistry, WORK_BUCKETS } from '@station/service/metrics';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Outcome } from './classify.ts';
import type { Delivery } from './client.ts';
import type { Clock, SyncStore } from './types.ts';

/** Why a delivery did not land: what an operator looks at first. */
export type FailureClass =
  | 'timeout'
  | 'network'
  | 'server_error'
  | 'throttled'
  | 'rejected'
  | 'missing'
  | 'store';

/** One delivery as the drain saw it. */
export interface DeliveryRecord {
  delivery: Delivery;
  outcome: Outcome;
  /** HTTP round trip. */
  seconds: number;
  /** When the row was queued (ISO); the lag is measured from here for a synced row. */
  queuedAt: string;
  now: number;
}

/** The failure class of a delivery that did not land, or undefined when it landed (or was ours to abort). */
export function failureClass(d: Delivery, o: Outcome): FailureClass | undefined {
  if (o.kind === 'synced' || o.kind === 'aborted') return undefined;
  if (d.kind === 'timeout' || d.kind === 'network') return d.kind;
  if (o.kind === 'rejected') return 'rejected';
  return o.status !== null && o.status >= 500 ? 'server_error' : 'throttled';
}

/** Metrics of `sync`. */
export class SyncMetrics {
  readonly registry: Registry;
  readonly #deliveries: Counter<'outcome'>;
  readonly #roundTrip: Histogram<'outcome'>;
  readonly #lag: Histogram;
  readonly #failures: Counter<'class'>;

  constructor(
    store: Pick<SyncStore, 'syncStats'>,
    clock: Clock,
    opts: {
      defaults?: boolean;
      /** Hears a store that could not be read at a scrape (its gauges are left out, the rest answers). */
      onError?: (err: unknown) => void;
    } = {},
  ) {
    this.registry = serviceRegistry('sync', opts);
    const registers = [this.registry];
    this.#deliveries = new Counter({
      name: 'station_sync_deliveries_total',
      help: 'Deliveries to the Backend by outcome (synced, retry, rejected).',
      labelNames: ['outcome'],
      registers,
    });
    this.#roundTrip = new Histogram({
      name: 'station_sync_delivery_duration_seconds',
      help: 'HTTP round trip of one delivery to the Backend, by outcome.',
      labelNames: ['outcome'],
      buckets: WORK_BUCKETS,
      registers,
    });
    this.#lag = new Histogram({
      name: 'station_sync_delivery_lag_seconds',
      help: 'From a result being queued to the Backend accepting it.',
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600],
      registers,
    });
    this.#failures = new Counter({
      name: 'station_sync_failures_total',
      help: 'Deliveries that did not land, by class (timeout, network, server_error, throttled, rejected, missing, store).',
      labelNames: ['class'],
      registers,
    });
    // Read once per scrape for both gauges (prom-client collects them together).
    let stats: Promise<ReturnType<SyncStore['syncStats']> | undefined> | undefined;
    const read = () => {
      stats ??= Promise.resolve()
        .then(() => store.syncStats(new Date(clock.now())))
        .catch((err: unknown) => {
          opts.onError?.(err);
          return undefined;
        })
        .finally(() => {
          stats = undefined;
        });
      return stats;
    };
    new Gauge({
      name: 'station_sync_queue_depth',
      help: 'Rows of the sync outbox by state (pending, due, in_flight, rejected).',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        const s = await read();
        if (!s) return;
        this.set({ state: 'pending' }, s.pending);
        this.set({ state: 'due' }, s.due);
        this.set({ state: 'in_flight' }, s.inFlight);
        this.set({ state: 'rejected' }, s.rejected);
      },
    });
    new Gauge({
      name: 'station_sync_oldest_pending_seconds',
      help: 'Age of the oldest result not yet delivered; 0 when none waits, NaN when the store could not be read.',
      registers,
      async collect() {
        const s = await read();
        // NaN, not a reassuring 0, when the store could not be read (an unlabelled gauge cannot be absent).
        this.set(s ? (s.oldestPendingAgeMs ?? 0) / 1000 : Number.NaN);
      },
    });
  }

  /** Counts one delivery. */
  delivered(r: DeliveryRecord): void {
    if (r.outcome.kind === 'aborted') return;
    const outcome = r.outcome.kind;
    this.#deliveries.inc({ outcome });
    this.#roundTrip.observe({ outcome }, r.seconds);
    const cls = failureClass(r.delivery, r.outcome);
    if (cls) this.#failures.inc({ class: cls });
    const queued = Date.parse(r.queuedAt);
    if (outcome === 'synced' && Number.isFinite(queued))
      this.#lag.observe(Math.max(0, r.now - queued) / 1000);
  }

  /** Counts a row that could not be sent or recorded for a reason of our own (`missing`, `store`). */
  failed(cls: Extract<FailureClass, 'missing' | 'store'>): void {
    this.#failures.inc({ class: cls });
  }
}
