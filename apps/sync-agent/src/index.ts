// @station/sync-agent: drains the sync_queue outbox to the Backend (see docs/sync.md).
export { type BackendSettings, DEFAULT_STOP_DEADLINE_MS, SyncAgent, type SyncAgentOptions } from './agent.ts';
export { type BackoffPolicy, backoffDelay, parseRetryAfter } from './backoff.ts';
export { classify, type Outcome } from './classify.ts';
export { type BackendEndpoint, type Delivery, postResult, probeHealth } from './client.ts';
export { type CycleReport, drainCycle, leaseFor } from './drain.ts';
export { SyncError, type SyncErrorCode } from './errors.ts';
export { type SyncHandlers, syncHandlers } from './handlers.ts';
export { HealthMonitor } from './health.ts';
export { openAgentStore } from './store.ts';
export { type Clock, type SyncResult, type SyncStatus, type SyncStore, systemClock } from './types.ts';
