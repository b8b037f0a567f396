// Typed requests to the station's services, timed for /metrics, failing as ApiErrors that carry the
// remote's code (so a route can simply `await` and let the error handler pick the HTTP status).
// Subpath imports: the app must load without the ZeroMQ stack (tests hand in their own bus).
import {
  type BodyOf,
  type KindOf,
  kindOf,
  type MethodOf,
  type ReplyOf,
  type ServiceName,
} from '@station/bus/contract';
import { BusError } from '@station/bus/errors';
import { fromBusError } from './errors.ts';
import type { GatewayMetrics } from './metrics/gateway-metrics.ts';
import type { BusLike } from './types.ts';

/** Requests through the bus, one place for timing and error translation. */
export class ServiceCalls {
  constructor(
    private readonly bus: BusLike,
    private readonly metrics: GatewayMetrics,
    private readonly defaultTimeoutMs: number,
  ) {}

  /**
   * Calls `method` of `service` and resolves with its reply; rejects with an ApiError.
   * @example await calls.call('supervisor', 'batch.start', { batchId }, 10_000)
   */
  async call<S extends ServiceName, M extends MethodOf<KindOf<S>>>(
    service: S,
    method: M,
    body: BodyOf<KindOf<S>, M>,
    timeoutMs = this.defaultTimeoutMs,
  ): Promise<ReplyOf<KindOf<S>, M>> {
    const started = performance.now();
    let outcome = 'ok';
    try {
      return (await this.bus.requestRaw(service, method, body, { timeoutMs })) as ReplyOf<KindOf<S>, M>;
    } catch (err) {
      if (err instanceof BusError) {
        outcome = err.code;
        throw fromBusError(err);
      }
      outcome = 'INTERNAL';
      throw err;
    } finally {
      this.metrics.busDuration.observe(
        { service: kindOf(service) ?? service, method, outcome },
        (performance.now() - started) / 1000,
      );
    }
  }
}
