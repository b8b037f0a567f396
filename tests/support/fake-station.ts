// Test support: the answers a fake station's services give where the test is not about them, written
// once for the gateway's station fixture, its WebSocket tests, the bus tests and bench/gateway's station.
import { BusError } from '@station/bus';
import type { SyncStatus } from '@station/model';

/** A sync agent with nothing to send: offline (no Backend configured), nothing pending, no error. */
export function syncStatus(overrides: Partial<SyncStatus> = {}): SyncStatus {
  return {
    mode: 'offline',
    backendConnected: false,
    deliveryFailingSince: null,
    problems: [],
    pending: 0,
    inFlight: 0,
    rejected: 0,
    oldestPendingAge: null,
    lastSuccessAt: null,
    lastError: null,
    ...overrides,
  };
}

/**
 * The supervisor's version handlers of a fixture that has no versions: NOT_FOUND for every batch
 * (apps/api-gateway/test/versions.test.ts tests the real ones).
 */
export const noVersions = {
  'batch.version': ({ batchId }: { batchId: string }): never => {
    throw new BusError('NOT_FOUND', `no versions of ${batchId} in this fixture`);
  },
  'batch.pin': ({ batchId }: { batchId: string }): never => {
    throw new BusError('NOT_FOUND', `no versions of ${batchId} in this fixture`);
  },
};
