// SPEC §3.1 System: station information, the health check (open even with auth on, for probes), and a
// sync round on demand.
import { contract } from '@station/bus/contract';
import { Elysia, t } from 'elysia';
import type { RouteContext } from '../context.ts';
import { checkHealth } from '../health.ts';
import { documentBody } from '../requests/body.ts';
import { errorResponses, SyncResultSchema } from '../schemas.ts';

const SyncNowBody = contract.sync['sync.now'].body;

const ServiceCheck = t.Object({ reachable: t.Boolean(), error: t.Optional(t.String()) });

const HealthSchema = t.Object({
  status: t.Union([t.Literal('healthy'), t.Literal('degraded'), t.Literal('unhealthy')]),
  reasons: t.Array(t.String(), { description: 'why the status is not healthy, one sentence each' }),
  backend_connected: t.Boolean({
    description:
      'the Backend accepts our results: it answers its health probe and the latest delivery was accepted',
  }),
  timestamp: t.String(),
  services: t.Object({ broker: ServiceCheck, supervisor: ServiceCheck, sync: ServiceCheck }),
  database: t.Object({ writable: t.Boolean(), error: t.Optional(t.String()) }),
  disk: t.Object({
    path: t.String(),
    usedPercent: t.Union([t.Number(), t.Null()]),
    thresholdPercent: t.Number(),
    ok: t.Boolean(),
    level: t.Union([t.Literal('ok'), t.Literal('warn'), t.Literal('low')], {
      description: 'low: below storage.min_free_mb, new sequence starts are refused (STORAGE_LOW)',
    }),
    freeBytes: t.Number(),
    totalBytes: t.Number(),
    minFreeBytes: t.Number(),
    warnFreeBytes: t.Number(),
    error: t.Optional(t.String()),
  }),
  sync: t.Union([
    t.Object({
      mode: t.Union([t.Literal('online'), t.Literal('offline')]),
      pending: t.Union([t.Integer(), t.Null()]),
      rejected: t.Integer(),
      deliveryFailingSince: t.Union([t.String(), t.Null()]),
      lastError: t.Union([t.String(), t.Null()]),
    }),
    t.Null(),
  ]),
  logs: t.Object({
    droppedLines: t.Integer({ description: 'log lines the processes could not write (full disk)' }),
    byService: t.Record(t.String(), t.Integer()),
  }),
});

const InfoSchema = t.Object({
  id: t.String(),
  name: t.String(),
  description: t.String(),
  version: t.String(),
  uptime: t.Number({ description: 'seconds since the gateway started' }),
  batchCount: t.Integer(),
  configPath: t.String(),
  paths: t.Object({ dataDir: t.String(), sequencesDir: t.String(), logsDir: t.String() }),
  ui: t.Object({
    language: t.Union([t.Literal('ko'), t.Literal('en'), t.Null()], {
      description: "station.yaml ui.language; null: the UI follows the browser's language",
    }),
  }),
});

/** The system routes, mounted under `/api/system`. */
export function systemRoutes(ctx: RouteContext) {
  const { config, calls, timeouts, clock, bodies } = ctx;
  return new Elysia({ name: 'routes.system', prefix: '/api/system', detail: { tags: ['System'] } })
    .get(
      '/info',
      () => ({
        id: config.station.id,
        name: config.station.name,
        description: config.station.description,
        version: ctx.deps.version ?? '0.0.0',
        uptime: (clock.now() - ctx.startedAt) / 1000,
        batchCount: config.batches.length,
        configPath: ctx.deps.configPath,
        paths: {
          dataDir: config.paths.data_dir,
          sequencesDir: config.paths.sequences_dir,
          logsDir: config.paths.logs_dir,
        },
        ui: { language: config.ui.language ?? null },
      }),
      { response: { 200: InfoSchema, ...errorResponses }, detail: { summary: 'Station information' } },
    )
    .get(
      '/health',
      async ({ set }) => {
        const health = await checkHealth(ctx);
        // A probe (docker, a load balancer) reads the status code; the body says why.
        if (health.status === 'unhealthy') set.status = 503;
        return health;
      },
      {
        response: { 200: HealthSchema, 503: HealthSchema },
        detail: { summary: 'Health of every part (503 when unhealthy); no API key needed' },
      },
    )
    .post(
      '/sync',
      async ({ request }) => {
        const body = await bodies.read(request, SyncNowBody, { optional: true });
        return calls.call('sync', 'sync.now', body, timeouts.sync);
      },
      {
        parse: 'none',
        response: { 200: SyncResultSchema, ...errorResponses },
        detail: {
          summary: 'Sync pending results to the Backend now',
          requestBody: documentBody(SyncNowBody, true),
        },
      },
    );
}
