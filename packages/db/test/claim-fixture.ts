// Child process for the claim-concurrency test: one sync agent draining the outbox as fast as it can,
// printing every queue row id it claimed as one JSON line when nothing is left (and, given a target, at
// least that many rows are done: runners may still be writing when it starts).
import { openStore } from '../src/index.ts';

const [path, agentId, startAtText, untilDoneText] = process.argv.slice(2);
if (!path || !agentId) {
  throw new Error(
    'usage: claim-fixture.ts <db path> <agent id> [start at epoch ms] [run until this many are done]',
  );
}
const untilDone = Number(untilDoneText ?? 0);
const startAt = Number(startAtText ?? 0);
while (Date.now() < startAt) {
  // Busy-wait to the shared instant so both agents race from the first claim.
}
const store = openStore(path);
const claimed: number[] = [];
for (;;) {
  const items = store.claimSyncItems({ agentId, limit: 2, leaseMs: 60_000 });
  if (items.length === 0) {
    const stats = store.syncStats();
    if (stats.pending === 0 && stats.inFlight === 0 && stats.done >= untilDone) break;
    // The other agent holds the rest; polling in a tight loop of write transactions would starve it.
    Bun.sleepSync(2);
    continue;
  }
  for (const item of items) {
    if (item.claimedBy !== agentId) throw new Error(`claim returned a row of ${item.claimedBy}`);
    claimed.push(item.id);
    // Stands in for the HTTP round trip. Without gaps between write transactions one process would
    // starve the other: SQLite's busy handler sleeps with backoff while the holder re-locks at once.
    Bun.sleepSync(2);
    store.markSynced(item.id);
  }
}
console.log(JSON.stringify(claimed));
store.close();
