// The broker's metrics: requests by service and whether a worker took them, events forwarded, malformed
// messages dropped, and at scrape time the live workers and the requests each service has not answered yet.

import type { BrokerObserver, BrokerStats } from '@station/bus';
import { kindOf } from '@station/bus/contract';
import { serviceRegistry } from '@station/service/metrics';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The broker's registry and the observer that feeds it; `stats` is read at every scrape. */
export class BrokerMetrics implements BrokerObserver {
  readonly registry: Registry;
  readonly #requests: Counter<'target' | 'outcome'>;
  readonly #events: Counter;
  readonly #dropped: Counter;

  constructor(stats: () => BrokerStats, opts: { defaults?: boolean } = {}) {
    this.registry = serviceRegistry('broker', opts);
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'station_broker_requests_total',
      help: 'Requests from clients by target service and outcome (routed to a worker, or unavailable).',
      // `target`, not `service`: every series already says which process reports it as `service`.
      labelNames: ['target', 'outcome'],
      registers,
    });
    this.#events = new Counter({
      name: 'station_broker_events_total',
      help: 'Events forwarded from publishers to subscribers.',
      registers,
    });
    this.#dropped = new Counter({
      name: 'station_broker_dropped_messages_total',
      help: 'Malformed messages dropped by the broker.',
      registers,
    });
    new Gauge({
      name: 'station_broker_workers',
      help: 'Workers registered with the broker and alive.',
      registers,
      collect() {
        this.set(stats().workers);
      },
    });
    new Gauge({
      name: 'station_broker_pending_requests',
      help: "Requests forwarded to a service's worker and not answered yet (its queue depth), by target service.",
      labelNames: ['target'],
      registers,
      collect() {
        this.reset();
        for (const [target, n] of Object.entries(stats().pending)) this.set({ target }, n);
      },
    });
  }

  request(service: string, outcome: 'routed' | 'unavailable'): void {
    // A name nobody serves is any string a client sent: counted under its kind (`runner`) or `unknown`, so
    // that bad requests cannot grow the series without bound.
    const target = outcome === 'routed' ? service : (kindOf(service) ?? 'unknown');
    this.#requests.inc({ target, outcome });
  }

  event(): void {
    this.#events.inc();
  }

  dropped(): void {
    this.#dropped.inc();
  }
}
