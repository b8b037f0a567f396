// Child process standing in for a station at work: finishes one execution after another in the store
// at argv[2] and prints how many it has finished after each, until killed.
import { openStore } from '@station/db';

const path = process.argv[2];
if (!path) throw new Error('usage: writer-fixture.ts <db path>');
const store = openStore(path);
for (let n = 1; ; n++) {
  const { id } = store.createExecution({
    batchId: 'b1',
    sequenceName: 'w',
    sequenceVersion: '1',
    packageHash: 'h',
    steps: ['s'],
  });
  store.recordStep(
    id,
    { name: 's', order: 0, status: 'completed', pass: true, attempts: 1, result: { n } },
    [],
  );
  store.finishExecution(id, { status: 'completed', overallPass: true });
  console.log(`finished ${n}`);
  // A station writes as steps end, not in a tight loop.
  Bun.sleepSync(2);
}
