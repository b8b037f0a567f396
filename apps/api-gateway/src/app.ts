// createApp: the gateway as one Elysia app (REST, /ws, /metrics, OpenAPI, UI files) built from its
// collaborators, so tests drive it with `app.handle(new Request(...))` or `.listen(0)`.
import { openapi } from '@elysiajs/openapi';
import { unitOf, verdictOf } from '@station/db';
import type { LastResult } from '@station/model';
import { systemClock } from '@station/time';
import { Elysia, NotFoundError } from 'elysia';
import { Authenticator, type Identity, needsKey } from './auth.ts';
import { ServiceCalls } from './calls.ts';
import { DEFAULT_TIMEOUTS, DEFAULT_WS_LIMITS, type RouteContext } from './context.ts';
import { docsAssets, swaggerViewer } from './docs-assets.ts';
import { driftAlarms } from './drift.ts';
import { ApiError, fromRequestError } from './errors.ts';
import { GatewayMetrics } from './metrics/gateway-metrics.ts';
import { scrapeStation } from './metrics/station-metrics.ts';
import { BodyReader } from './requests/body.ts';
import { OriginPolicy } from './requests/origin.ts';
import { neededFor, requireRole } from './roles.ts';
import { authRoutes } from './routes/auth.ts';
import { batchRoutes } from './routes/batches.ts';
import { resultRoutes } from './routes/results.ts';
import { sequenceRoutes } from './routes/sequences.ts';
import { statsSeriesRoutes } from './routes/stats-series.ts';
import { systemRoutes } from './routes/system.ts';
import { trendRoutes } from './routes/trends.ts';
import { unitRoutes } from './routes/units.ts';
import { versionRoutes } from './routes/versions.ts';
import { spaFallback, uiRoutes } from './static.ts';
import { type SnapshotSource, StationModel } from './station-model.ts';
import { refreshStorageMetrics } from './storage-status.ts';
import type { EventSource, GatewayDeps } from './types.ts';
import { Hub, type WsPeer } from './ws/hub.ts';

/** The built gateway: the Elysia app plus the parts main.ts and tests reach into. */
export interface GatewayApp {
  // biome-ignore lint/suspicious/noExplicitAny: Elysia's generic parameters are an implementation detail here
  app: Elysia<any, any, any, any, any, any, any>;
  hub: Hub;
  metrics: GatewayMetrics;
  /** The read model the batch routes and the WebSocket snapshot answer from. */
  model: StationModel;
  /** Folds every event of `source` into the model and forwards it to the hub until the source ends. */
  pump(source: EventSource): Promise<void>;
}

/**
 * Events that are facts for the read model, not messages for screens: clients get the card composed from
 * them (`batch_status`) instead.
 */
const MODEL_INPUTS = new Set(['batch_process', 'sequence_status']);

/** How many of a batch's newest runs are looked at for its last finished one. */
const LAST_RESULT_WINDOW = 5;

/** Bun's ServerWebSocket as the hub sees it (Elysia's typing of `raw` omits getBufferedAmount). */
function peerOf(raw: object): WsPeer {
  return raw as WsPeer;
}

/** Path without the query string (query strings may carry an API key; they are never logged). */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const q = url.indexOf('?', start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}

/** Builds the gateway. Nothing listens yet: call `app.listen` (see server.ts) or `app.handle`. */
export async function createApp(deps: GatewayDeps): Promise<GatewayApp> {
  const clock = deps.clock ?? systemClock;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  const limits = { ...DEFAULT_WS_LIMITS, ...deps.ws };
  const log = deps.logger;
  const startedAt = clock.now();
  const metrics = new GatewayMetrics(deps.store, startedAt, () => clock.now(), {
    onCollectError: (metric, err) => log.warn({ metric, err: String(err) }, 'metric collection failed'),
    defaults: deps.defaultMetrics,
  });
  const calls = new ServiceCalls(deps.bus, metrics, timeouts.default);
  const bodies = new BodyReader(deps.config.server.max_body_bytes);
  const origins = new OriginPolicy(deps.config.server.allowed_origins);
  const auth = deps.config.server.auth.enabled
    ? new Authenticator(deps.config.server.auth, () => clock.now())
    : undefined;
  const identities = new WeakMap<Request, Identity>();
  const identityOf = (request: Request) => identities.get(request);
  const source: SnapshotSource = {
    list: () => calls.call('supervisor', 'batch.list', {}),
    get: (batchId) => calls.call('supervisor', 'batch.get', { batchId }),
    probe: () => calls.call('supervisor', 'health', {}, timeouts.health),
    lastResults(batchIds) {
      const found = new Map<string, LastResult>();
      for (const batchId of batchIds) {
        const page = deps.store.listResults({ batchId, pageSize: LAST_RESULT_WINDOW });
        const r = page.items.find((item) => item.status !== 'running');
        if (!r) continue;
        const verdict = verdictOf(r);
        if (verdict === null) continue;
        found.set(batchId, {
          executionId: r.id,
          status: r.status,
          overallPass: r.overallPass,
          ...(r.completedAt ? { completedAt: r.completedAt } : {}),
          ...(r.duration !== null ? { duration: r.duration } : {}),
          // A run the station ended (crash, lost process, full disk) is its unit's ERROR, not a FAIL.
          ...(r.status === 'failed' && r.statusReason ? { errorCode: r.statusReason } : {}),
          verdict,
          dut: unitOf(r),
        });
      }
      return found;
    },
  };
  const model = new StationModel({
    source,
    clock,
    log,
    // The one author of `batch_status` on the WebSocket: every change of a card, whole.
    onCard: (card) => hub.publish({ type: 'batch_status', batch_id: card.id, data: card }),
  });
  const hub = new Hub({
    limits,
    metrics,
    log,
    snapshot: () => model.list(),
    now: () => clock.now(),
    // Bun's native pub/sub: each event encoded once and written to every subscriber without a JS call each.
    broadcast: (topic, text) => {
      server()?.publish(topic, text);
    },
  });
  const ctx: RouteContext = {
    deps,
    config: deps.config,
    calls,
    bodies,
    metrics,
    timeouts,
    clock,
    log,
    startedAt,
    identityOf,
    model,
  };
  const started = new WeakMap<Request, number>();
  const fallback = await spaFallback(deps.publicDir);

  const server = () => app.server;
  const app = new Elysia({
    name: 'api-gateway',
    websocket: {
      // Bun closes (1009) above this; anything between maxMessageBytes and this gets an `error` reply.
      maxPayloadLength: Math.max(limits.maxMessageBytes * 4, 64 * 1024),
      // A second guard behind the hub's own check: Bun drops a connection whose buffer passes this.
      backpressureLimit: limits.maxBufferedBytes * 2,
      closeOnBackpressureLimit: true,
      idleTimeout: 120,
      sendPings: true,
      perMessageDeflate: false,
    },
  })
    .onRequest(async ({ request }) => {
      started.set(request, performance.now());
      metrics.httpInFlight.inc();
      const path = pathOf(request.url);
      if (!auth || !needsKey(path)) return;
      // Who, then whether that role may: before routing and body validation, so a refused caller learns
      // nothing about the route beyond the role it needs.
      const who = await auth.identify(request, path);
      identities.set(request, who);
      const { route, need } = neededFor(request.method, path);
      if (need !== 'open') requireRole(who, need, route);
    })
    // Before routing, so that no route (nor the WebSocket upgrade) sees a foreign page's request, and a
    // body declared too large is refused before any of it is read.
    .onRequest(({ request }) => {
      origins.check(request);
      bodies.checkDeclaredLength(request);
    })
    .onError({ as: 'global' }, ({ code, error, request, set }) => {
      // Elysia derives `code` from the thrown error's own `code`; only its NotFoundError means "no route".
      const noRoute = error instanceof NotFoundError;
      if (noRoute) {
        const page = fallback(request);
        if (page) {
          set.status = 200;
          return page;
        }
      }
      const api = noRoute
        ? new ApiError('NOT_FOUND', `no route ${request.method} ${pathOf(request.url)}`)
        : fromRequestError(code, error);
      if (api.status >= 500 && api.code === 'INTERNAL') {
        log.error({ err: error, method: request.method, path: pathOf(request.url) }, 'request failed');
      }
      set.status = api.status;
      set.headers['content-type'] = 'application/json; charset=utf-8';
      // Without it Bun would read (and discard) the rest of a body refused for its size.
      if (api.code === 'PAYLOAD_TOO_LARGE') set.headers.connection = 'close';
      return api.toBody();
    })
    .onAfterResponse({ as: 'global' }, ({ request, route, set }) => {
      if (started.has(request)) metrics.httpInFlight.dec();
      const t0 = started.get(request);
      const status = String(typeof set.status === 'number' ? set.status : 200);
      const labels = { method: request.method, route: route || 'unmatched', status };
      metrics.httpRequests.inc(labels);
      if (t0 !== undefined) {
        const seconds = (performance.now() - t0) / 1000;
        metrics.httpDuration.observe(labels, seconds);
        log.debug(
          { method: request.method, path: pathOf(request.url), status, ms: seconds * 1000 },
          'request',
        );
      }
    })
    .use(
      openapi({
        path: '/api/docs',
        ...swaggerViewer,
        documentation: {
          info: {
            title: 'Station Service API',
            version: deps.version ?? '0.0.0',
            description:
              'REST API of a test station (SPEC §3.1). Errors: { error: { code, message, details? } }.',
          },
          components: {
            securitySchemes: {
              apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
              bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'API key or JWT' },
            },
          },
          security: deps.config.server.auth.enabled ? [{ apiKey: [] }, { bearer: [] }] : [],
        },
        exclude: { paths: ['/ws', '/metrics', '/*', '/', '/index.html', '/_docs/*'] },
      }),
    )
    .use(systemRoutes(ctx))
    .use(authRoutes(ctx))
    .use(batchRoutes(ctx))
    .use(versionRoutes(ctx))
    .use(sequenceRoutes(ctx))
    .use(resultRoutes(ctx))
    .use(unitRoutes(ctx))
    .use(statsSeriesRoutes(ctx))
    .use(trendRoutes(ctx))
    .get(
      '/metrics',
      async () => {
        return new Response(await scrapeStation(ctx, () => refreshStorageMetrics(ctx)), {
          headers: { 'content-type': metrics.registry.contentType },
        });
      },
      { detail: { hide: true } },
    )
    .ws('/ws', {
      open(ws) {
        hub.open(peerOf(ws.raw), identityOf(ws.data.request));
      },
      message(ws, message) {
        return hub.message(peerOf(ws.raw), message);
      },
      close(ws) {
        hub.close(peerOf(ws.raw));
      },
    })
    .use(docsAssets())
    .use(await uiRoutes(deps.publicDir));

  /** The drift alarms of a finished run (drift.ts), into the model and out to WebSocket clients. */
  function raiseDrift(batchId: string, executionId: string): void {
    try {
      for (const alarm of driftAlarms(deps.store, batchId, executionId, clock.now())) {
        model.apply(alarm);
        hub.publish(alarm);
      }
    } catch (err) {
      log.warn({ err, batchId, executionId }, 'drift alarm: the run could not be checked');
    }
  }

  async function pump(source: EventSource): Promise<void> {
    try {
      for await (const { event } of source) {
        // Steps are counted from the event stream: the store has no per-step counts to read at scrape.
        if (event.type === 'step_complete') metrics.steps.inc({ result: event.data.pass ? 'pass' : 'fail' });
        model.apply(event);
        if (!MODEL_INPUTS.has(event.type)) hub.publish(event);
        if (event.type === 'sequence_complete') raiseDrift(event.batch_id, event.data.executionId);
      }
    } catch (err) {
      log.error({ err }, 'event stream ended with an error');
    }
  }

  return { app, hub, metrics, model, pump };
}
