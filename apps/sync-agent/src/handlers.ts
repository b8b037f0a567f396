// The agent's bus surface: the `sync` service's methods as plain functions, so the bus wiring in main.ts
// (and the gateway's tests) can call them without knowing how the agent works.
import type { Health } from '@station/model';
import { healthHandler } from '@station/service';
import type { SyncAgent } from './agent.ts';
import type { SyncResult, SyncStatus } from './types.ts';

/** Handlers of the `sync` service, keyed by bus method name. */
export interface SyncHandlers {
  health: () => Health;
  'sync.now': (body?: { retryRejected?: boolean }) => Promise<SyncResult>;
  'sync.status': () => SyncStatus;
}

/**
 * The `sync` service's handlers for `serve({ service: 'sync', handlers })`.
 * @example await syncHandlers(agent)['sync.now']({ retryRejected: true })
 */
export function syncHandlers(agent: SyncAgent): SyncHandlers {
  return {
    health: healthHandler('sync'),
    'sync.now': (body) => agent.syncNow({ retryRejected: body?.retryRejected === true }),
    'sync.status': () => agent.status(),
  };
}
