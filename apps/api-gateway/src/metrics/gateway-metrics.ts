// The gateway's own metrics: HTTP by route template and status, WebSocket clients and drops, bus
// round trips, and the store's executions and sync queue read at scrape time.
import type { ResultStore } from '../types.ts';
import { Counter, Gauge, Histogram, Registry } from './registry.ts';

const EXECUTION_STATUSES = ['running', 'completed', 'failed', 'stopped'] as const;

/** What the gateway counts; one instance per app. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly httpRequests = this.registry.register(
    new Counter('station_http_requests_total', 'HTTP requests by method, route template and status.'),
  );
  readonly httpDuration = this.registry.register(
    new Histogram(
      'station_http_request_duration_seconds',
      'HTTP request latency by method, route template and status.',
    ),
  );
  readonly httpInFlight = this.registry.register(
    new Gauge('station_http_requests_in_flight', 'HTTP requests being answered right now.'),
  );
  readonly busDuration = this.registry.register(
    new Histogram(
      'station_bus_request_duration_seconds',
      'Round trip of bus requests from the gateway by service kind, method and outcome (ok or error code).',
    ),
  );
  readonly wsClients = this.registry.register(
    new Gauge('station_ws_clients', 'Connected WebSocket clients.'),
  );
  readonly wsMessages = this.registry.register(
    new Counter('station_ws_messages_sent_total', 'Messages sent to WebSocket clients by type.'),
  );
  readonly wsDropped = this.registry.register(
    new Counter('station_ws_clients_dropped_total', 'WebSocket clients closed by the gateway by reason.'),
  );
  readonly wsErrors = this.registry.register(
    new Counter('station_ws_client_errors_total', 'Bad messages received from WebSocket clients by code.'),
  );
  readonly steps = this.registry.register(
    new Counter(
      'station_steps_completed_total',
      'Steps completed on any batch since the gateway started, by result.',
    ),
  );
  readonly events = this.registry.register(
    new Counter('station_events_received_total', 'Station events received from the event bus by type.'),
  );
  // The disk figures are read (statfs, bus round trips) just before each scrape: see storage-status.ts.
  readonly diskFree = this.registry.register(
    new Gauge('station_disk_free_bytes', "Free bytes on the data folder's file system."),
  );
  readonly diskMinFree = this.registry.register(
    new Gauge(
      'station_disk_min_free_bytes',
      'storage.min_free_mb in bytes: below this free space, new sequence starts are refused.',
    ),
  );
  readonly logLinesDropped = this.registry.register(
    new Gauge(
      'station_log_lines_dropped',
      'Log lines each process could not write to a file (full disk) since it started, by service.',
    ),
  );

  constructor(store: ResultStore, startedAt: number, now: () => number) {
    this.wsClients.set({}, 0);
    this.httpInFlight.set({}, 0);
    this.registry.register(
      new Gauge('station_gateway_uptime_seconds', 'Seconds since the gateway started.', (g) =>
        g.set({}, (now() - startedAt) / 1000),
      ),
    );
    this.registry.register(
      new Gauge('station_process_resident_memory_bytes', 'Resident memory of the gateway process.', (g) =>
        g.set({}, process.memoryUsage().rss),
      ),
    );
    this.registry.register(
      new Gauge(
        'station_executions',
        'Executions in the store by status and result (pass, fail, or unknown while running).',
        (g) => {
          // Counted through the store's own paged query (total of a one-row page) so no SQL lives here.
          for (const status of EXECUTION_STATUSES) {
            const all = store.listResults({ status, pageSize: 1 }).total;
            const pass = store.listResults({ status, pass: true, pageSize: 1 }).total;
            const fail = store.listResults({ status, pass: false, pageSize: 1 }).total;
            g.set({ status, result: 'pass' }, pass);
            g.set({ status, result: 'fail' }, fail);
            g.set({ status, result: 'unknown' }, all - pass - fail);
          }
        },
      ),
    );
    this.registry.register(
      new Gauge('station_sync_queue_depth', 'Rows of the sync outbox by state.', (g) => {
        const s = store.syncStats(new Date(now()));
        g.set({ state: 'pending' }, s.pending);
        g.set({ state: 'due' }, s.due);
        g.set({ state: 'in_flight' }, s.inFlight);
        g.set({ state: 'rejected' }, s.rejected);
      }),
    );
    this.registry.register(
      new Gauge('station_sync_oldest_pending_seconds', 'Age of the oldest result not yet synced.', (g) => {
        const s = store.syncStats(new Date(now()));
        if (s.oldestPendingAgeMs !== null) g.set({}, s.oldestPendingAgeMs / 1000);
      }),
    );
  }
}
