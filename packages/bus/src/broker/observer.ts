// What the broker tells a watcher (the broker process's metrics) as it routes, and the queues it reports
// when asked: kept apart from the routing so the broker itself knows nothing of Prometheus.

/** Told of what passes through the broker; every call must be cheap and must not throw. */
export interface BrokerObserver {
  /** A client request for `service`: routed to its worker, or answered SERVICE_UNAVAILABLE. */
  request(service: string, outcome: 'routed' | 'unavailable'): void;
  /** One event forwarded from a publisher to the subscribers. */
  event(): void;
  /** A malformed message dropped. */
  dropped(): void;
}

/** The broker's queues at one moment. */
export interface BrokerStats {
  /** Workers registered and alive. */
  workers: number;
  /** Requests forwarded to each service's worker and not answered yet. */
  pending: Record<string, number>;
}

/** Methods of the `broker` service besides `ping`, answered by the broker itself (`metrics`). */
export type BrokerMethods = Record<string, () => unknown>;
