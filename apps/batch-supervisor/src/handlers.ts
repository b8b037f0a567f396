// The `supervisor` service on the bus: each contract method mapped onto the Supervisor.
import type { Handlers } from '@station/bus';
import { type MetricsSource, metricsReply } from '@station/bus/metrics-shape';
import { healthHandler } from '@station/service';
import type { Supervisor } from './supervisor.ts';

/** Handlers for `serve({ service: 'supervisor', handlers })`; `metrics` answers from `registry`. */
export function supervisorHandlers(supervisor: Supervisor, registry: MetricsSource): Handlers<'supervisor'> {
  return {
    health: healthHandler('supervisor'),
    metrics: () => metricsReply(registry),
    'batch.list': () => supervisor.list(),
    'batch.get': ({ batchId }) => supervisor.get(batchId),
    'batch.start': ({ batchId }) => supervisor.start(batchId),
    'batch.stop': ({ batchId }) => supervisor.stop(batchId),
    'batch.restart': ({ batchId }) => supervisor.restart(batchId),
  };
}
