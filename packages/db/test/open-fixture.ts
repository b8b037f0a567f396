// Child process for the concurrent-open test: opens the store named in argv once a shared start time
// comes (so all children race), then prints what this open applied as one JSON line.
import { openStore } from '../src/index.ts';

const [path, startAtText] = process.argv.slice(2);
if (!path) throw new Error('usage: open-fixture.ts <db path> [start at epoch ms]');
const startAt = Number(startAtText ?? 0);
while (Date.now() < startAt) {
  // Busy-wait to the shared instant: a sleep's wake-up jitter would spread the racers apart.
}
const store = openStore(path);
const tables = store.sqlite
  .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
  .all()
  .map((t) => t.name);
store.createExecution({
  id: `exec_pid_${process.pid}`,
  batchId: 'race',
  sequenceName: 'open-race',
  sequenceVersion: '1',
  packageHash: 'h',
});
console.log(JSON.stringify({ applied: store.appliedMigrations, tables }));
store.close();
