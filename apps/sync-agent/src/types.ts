// The shapes the sync agent shares with its collaborators: the slice of the store it uses, the clock, and
// the answers of its two bus methods.
import type { Store } from '@station/db';
import { type Clock, systemClock } from '@station/time';

/** The store queries the agent needs; an open `Store` from @station/db is one. */
export type SyncStore = Pick<
  Store,
  | 'claimSyncItems'
  | 'getResult'
  | 'markSynced'
  | 'markRetry'
  | 'markRejected'
  | 'releaseClaims'
  | 'returnUnsent'
  | 'requeueRejected'
  | 'syncStats'
  | 'pruneSynced'
>;

/** The answers of `sync.now` and `sync.status`, as the bus contract declares them. */
export type { SyncResult, SyncStatus } from '@station/model';
/** Wall-clock time in epoch milliseconds; tests hand in one they can move forward. */
export { type Clock, systemClock };
