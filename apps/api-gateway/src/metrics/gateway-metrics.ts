// The gateway's own metrics (prom-client): HTTP by route template and status, WebSocket clients and drops,
// bus round trips, and the store's executions read at scrape time. The rest of the station's metrics are
// gathered from the other services at each scrape (see station-metrics.ts).
import { LATENCY_BUCKETS, serviceRegistry } from '@station/service/metrics';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ResultStore } from '../types.ts';

const EXECUTION_STATUSES = ['running', 'completed', 'failed', 'stopped'] as const;

export interface GatewayMetricsOptions {
  /** Hears a store-derived gauge that could not be read (the scrape goes on without it). */
  onCollectError?: (metric: string, err: unknown) => void;
  /** Collect prom-client's default process metrics (default true). */
  defaults?: boolean;
}

/** What the gateway counts; one instance per app. */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly httpInFlight: Gauge;
  readonly busDuration: Histogram<'service' | 'method' | 'outcome'>;
  readonly wsClients: Gauge;
  readonly wsMessages: Counter<'type'>;
  readonly wsDropped: Counter<'reason'>;
  readonly wsErrors: Counter<'code'>;
  readonly steps: Counter<'result'>;
  readonly events: Counter<'type'>;
  readonly diskFree: Gauge;
  readonly diskMinFree: Gauge;
  /** 1 when a service answered the last scrape's `metrics` request, 0 when not; by service name. */
  readonly serviceUp: Gauge<'service'>;

  constructor(store: ResultStore, startedAt: number, now: () => number, opts: GatewayMetricsOptions = {}) {
    const registry = serviceRegistry('api-gateway', { defaults: opts.defaults });
    const registers = [registry];
    this.registry = registry;
    this.httpRequests = new Counter({
      name: 'station_http_requests_total',
      help: 'HTTP requests by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'station_http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.httpInFlight = new Gauge({
      name: 'station_http_requests_in_flight',
      help: 'HTTP requests being answered right now.',
      registers,
    });
    this.busDuration = new Histogram({
      name: 'station_bus_request_duration_seconds',
      help: 'Round trip of bus requests from the gateway by service kind, method and outcome (ok or error code).',
      labelNames: ['service', 'method', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.wsClients = new Gauge({
      name: 'station_ws_clients',
      help: 'Connected WebSocket clients.',
      registers,
    });
    this.wsMessages = new Counter({
      name: 'station_ws_messages_sent_total',
      help: 'Messages sent to WebSocket clients by type.',
      labelNames: ['type'],
      registers,
    });
    this.wsDropped = new Counter({
      name: 'station_ws_clients_dropped_total',
      help: 'WebSocket clients closed by the gateway by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.wsErrors = new Counter({
      name: 'station_ws_client_errors_total',
      help: 'Bad messages received from WebSocket clients by code.',
      labelNames: ['code'],
      registers,
    });
    this.steps = new Counter({
      name: 'station_steps_completed_total',
      help: 'Steps completed on any batch since the gateway started, by result.',
      labelNames: ['result'],
      registers,
    });
    this.events = new Counter({
      name: 'station_events_received_total',
      help: 'Station events received from the event bus by type.',
      labelNames: ['type'],
      registers,
    });
    // The disk figures are read (statfs, bus round trips) just before each scrape: see storage-status.ts.
    this.diskFree = new Gauge({
      name: 'station_disk_free_bytes',
      help: "Free bytes on the data folder's file system.",
      registers,
    });
    this.diskMinFree = new Gauge({
      name: 'station_disk_min_free_bytes',
      help: 'storage.min_free_mb in bytes: below this free space, new sequence starts are refused.',
      registers,
    });
    this.serviceUp = new Gauge({
      name: 'station_service_up',
      help: "1 when the service answered this scrape's metrics request in time, 0 when it did not.",
      labelNames: ['service'],
      registers,
    });
    this.wsClients.set(0);
    this.httpInFlight.set(0);
    this.serviceUp.set({ service: 'api-gateway' }, 1);
    new Gauge({
      name: 'station_gateway_uptime_seconds',
      help: 'Seconds since the gateway started.',
      registers,
      collect() {
        this.set((now() - startedAt) / 1000);
      },
    });
    new Gauge({
      name: 'station_executions',
      help: 'Executions in the store by status and result (pass, fail, or unknown while running).',
      labelNames: ['status', 'result'],
      registers,
      collect() {
        this.reset();
        try {
          // Counted through the store's own paged query (total of a one-row page) so no SQL lives here.
          for (const status of EXECUTION_STATUSES) {
            const all = store.listResults({ status, pageSize: 1 }).total;
            const pass = store.listResults({ status, pass: true, pageSize: 1 }).total;
            const fail = store.listResults({ status, pass: false, pageSize: 1 }).total;
            this.set({ status, result: 'pass' }, pass);
            this.set({ status, result: 'fail' }, fail);
            this.set({ status, result: 'unknown' }, all - pass - fail);
          }
        } catch (err) {
          // A closed or locked store leaves the gauge empty rather than failing the whole scrape.
          this.reset();
          opts.onCollectError?.('station_executions', err);
        }
      },
    });
  }
}
