// Child process for the online-backup test: a runner that keeps writing whole executions (start, steps with
// measurements, finish + outbox) until it is killed. Prints "ready" after its first finished execution.
import { openStore } from '../src/index.ts';

const [path, stepsText] = process.argv.slice(2);
if (!path) throw new Error('usage: writer-fixture.ts <db path> [steps per execution]');
const steps = Number(stepsText ?? 5);
const store = openStore(path);
process.on('SIGTERM', () => {
  store.close();
  process.exit(0);
});
for (let n = 0; ; n++) {
  const { id } = store.createExecution({
    batchId: 'batch_w',
    sequenceName: 'writer',
    sequenceVersion: '1',
    packageHash: 'h',
    parameters: { n },
  });
  for (let order = 0; order < steps; order++) {
    store.recordStep(id, { name: `step_${order}`, order, status: 'completed', pass: true, attempts: 1 }, [
      { name: 'v', value: n + order / 10, unit: 'V', low: 0, high: 1e9, pass: true },
    ]);
  }
  store.finishExecution(id, { status: 'completed', overallPass: true });
  if (n === 0) console.log('ready');
  // A real runner writes when a step ends, not in a tight loop; leave the CLI room to read between writes.
  Bun.sleepSync(1);
}
