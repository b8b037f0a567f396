// The agent's bus surface: the `sync` service's methods as plain functions, so the bus wiring in main.ts
// (and the gateway's tests) can call them without knowing how the agent works.
import { droppedLogLines } from '@station/log';
import type { SyncAgent } from './agent.ts';
import type { SyncResult, SyncStatus } from './types.ts';

/** Answer of the `health` method every service serves. */
export interface ServiceHealth {
  service: string;
  pid: number;
  /** Seconds since the handlers were created. */
  uptime: number;
  /** Log lines this process could not write to a file since it started. */
  logLinesDropped: number;
}

/** Handlers of the `sync` service, keyed by bus method name. */
export interface SyncHandlers {
  health: () => ServiceHealth;
  'sync.now': (body?: { retryRejected?: boolean }) => Promise<SyncResult>;
  'sync.status': () => SyncStatus;
}

/**
 * The `sync` service's handlers for `serve({ service: 'sync', handlers })`.
 * @example await syncHandlers(agent)['sync.now']({ retryRejected: true })
 */
export function syncHandlers(agent: SyncAgent, startedAt = Date.now()): SyncHandlers {
  return {
    health: () => ({
      service: 'sync',
      pid: process.pid,
      uptime: (Date.now() - startedAt) / 1000,
      logLinesDropped: droppedLogLines(),
    }),
    'sync.now': (body) => agent.syncNow({ retryRejected: body?.retryRejected === true }),
    'sync.status': () => agent.status(),
  };
}
