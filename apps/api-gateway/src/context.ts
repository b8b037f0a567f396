// What every route module receives: the dependencies plus the gateway's own helpers, built once.
import type { BusLogger } from '@station/bus';
import type { StationConfig } from '@station/config';
import type { Identity } from './auth.ts';
import type { ServiceCalls } from './calls.ts';
import type { GatewayMetrics } from './metrics/gateway-metrics.ts';
import type { BodyReader } from './requests/body.ts';
import type { StationModel } from './station-model.ts';
import type { Clock, GatewayDeps, Timeouts, WsLimits } from './types.ts';

/** Default deadlines of the bus requests behind the routes (ms). */
export const DEFAULT_TIMEOUTS: Timeouts = {
  default: 5000,
  // SPEC §5: a batch starts within 3 s; the supervisor also waits for the runner to register.
  process: 15_000,
  manual: 30_000,
  sync: 60_000,
  health: 1500,
  // Prometheus' default scrape timeout is 10 s; a silent service costs the scrape no more than this.
  metrics: 1000,
};

/** Default WebSocket limits. */
export const DEFAULT_WS_LIMITS: WsLimits = {
  maxMessageBytes: 16 * 1024,
  // About a thousand step events: far more than a reading client ever lags, small next to process memory.
  maxBufferedBytes: 1024 * 1024,
  maxSubscriptions: 256,
};

/** Shared by the route modules of one app. */
export interface RouteContext {
  deps: GatewayDeps;
  config: StationConfig;
  calls: ServiceCalls;
  /** Reads every request body (media type, size limit, JSON, schema). */
  bodies: BodyReader;
  metrics: GatewayMetrics;
  timeouts: Timeouts;
  clock: Clock;
  log: BusLogger;
  /** When the app was created (ms since epoch, from `clock`). */
  startedAt: number;
  /** Who sent `request` (undefined when auth is off). */
  identityOf(request: Request): Identity | undefined;
  /** The station as the gateway knows it from events and snapshots: what batch reads answer from. */
  model: StationModel;
}
