// Opening the store for the sync agent. Same file, same migrations as every service, with one deliberate
// difference: this connection commits with synchronous=NORMAL instead of FULL.
//
// Why that is safe here: in WAL mode NORMAL still survives a crash of the process; only a power cut can
// lose the last few commits of this connection. Every write the agent makes is a bookkeeping mark whose
// loss is repaired by sending again: a lost `done` re-sends a result the Backend already has (answered
// 409, no second result, because the execution id is the idempotency key); a lost claim or retry mark
// lets the lease run out and the row be claimed again. The results themselves are written by the runner
// on its own FULL connection. Why it matters: a FULL commit waits for an fsync, once per delivered result,
// and that wait, not the network, capped the drain rate.
import { type OpenStoreOptions, openStore, type Store } from '@station/db';

/** Opens the shared store for a sync agent (see the comment at the top of this file for the pragma). */
export function openAgentStore(path: string, opts?: OpenStoreOptions): Store {
  const store = openStore(path, opts);
  store.sqlite.run('PRAGMA synchronous = NORMAL');
  return store;
}
