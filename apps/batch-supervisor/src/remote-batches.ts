// The supervisor's side of batch hosts besides running their runners: what each host says is left of its
// runners when the supervisor starts (for adoption), and the `store` service through which hosts deliver
// their runners' spooled writes into the station's store (packages/db `applySpooled`).
import { BusError, type BusLogger, serve } from '@station/bus';
import { metricsReply } from '@station/bus/metrics-shape';
import type { BatchConfig, StationConfig } from '@station/config';
import type { Store } from '@station/db';
import type { HostRunner } from '@station/model';
import { healthHandler } from '@station/service';
import type { Registry } from 'prom-client';
import type { HostLink } from './remote-runner.ts';
import type { Discovery } from './supervisor.ts';

/**
 * Asks every batch host that has batches for its runners, concurrently, and returns the discovery of a
 * remote batch from those answers: a live runner to adopt, one that ended while no supervisor watched,
 * or `unknown` when its host did not answer.
 */
export async function hostDiscovery(
  batches: readonly BatchConfig[],
  hosts: HostLink,
  timeoutMs = 2_000,
): Promise<(batchId: string) => Discovery> {
  const names = [...new Set(batches.flatMap((b) => (b.host === undefined ? [] : [b.host])))];
  const answers = new Map<string, HostRunner[] | undefined>(
    await Promise.all(names.map(async (h) => [h, await hosts.list(h, timeoutMs)] as const)),
  );
  return (batchId) => {
    const host = batches.find((b) => b.id === batchId)?.host;
    const runners = host === undefined ? undefined : answers.get(host);
    if (!runners) return { running: [], unknown: true };
    const r = runners.find((x) => x.batchId === batchId);
    if (!r) return { running: [] };
    const id = { batchId, pid: r.pid, startTime: r.startTime };
    if (!r.exit) return { running: [id] };
    if (r.exit.lost || r.exit.code === null) return { running: [], ended: { id } };
    return {
      running: [],
      ended: {
        id,
        exit: { ...id, reason: r.exit.reason ?? 'EXIT', code: r.exit.code, at: new Date().toISOString() },
      },
    };
  };
}

export interface StoreServiceOptions {
  config: StationConfig;
  store: Store;
  logger: BusLogger;
  registry: Registry;
}

/** Serves `store`: `spool.deliver` from a host station.yaml lists, applied to the station's store. */
export function serveStore(opts: StoreServiceOptions) {
  const known = new Set(opts.config.hosts.map((h) => h.name));
  return serve({
    endpoint: opts.config.ipc.service_bus,
    service: 'store',
    logger: opts.logger,
    handlers: {
      health: healthHandler('store'),
      metrics: () => metricsReply(opts.registry),
      'spool.deliver': ({ host, records }) => {
        if (!known.has(host)) {
          throw new BusError('BAD_REQUEST', `host ${host} is not in station.yaml's hosts`, {
            details: { host, hosts: [...known] },
          });
        }
        const ack = opts.store.applySpooled(host, records);
        const refused = ack.outcomes.filter((o) => o.outcome === 'refused');
        if (refused.length > 0) opts.logger.warn({ host, refused }, 'spooled writes refused by the store');
        return ack;
      },
    },
  });
}
