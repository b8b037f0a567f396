// The `supervisor` service on the bus: each contract method mapped onto the Supervisor.
import type { Handlers } from '@station/bus';
import { type MetricsSource, metricsReply } from '@station/bus/metrics-shape';
import type { SequencePins } from '@station/sequence/pins';
import { healthHandler } from '@station/service';
import type { Supervisor } from './supervisor.ts';

/** Handlers for `serve({ service: 'supervisor', handlers })`; `metrics` answers from `registry`. */
export function supervisorHandlers(
  supervisor: Supervisor,
  registry: MetricsSource,
  pins: SequencePins,
): Handlers<'supervisor'> {
  return {
    health: healthHandler('supervisor'),
    metrics: () => metricsReply(registry),
    'batch.list': () => supervisor.list(),
    'batch.get': ({ batchId }) => supervisor.get(batchId),
    'batch.start': ({ batchId }) => supervisor.start(batchId),
    'batch.stop': ({ batchId }) => supervisor.stop(batchId),
    'batch.restart': ({ batchId }) => supervisor.restart(batchId),
    'batch.version': ({ batchId }) => pins.version(batchId),
    'batch.pin': ({ batchId, version, pinnedBy }) => pins.pin(batchId, version, pinnedBy),
  };
}
