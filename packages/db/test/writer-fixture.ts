// Child process standing in for a batch runner: writes whole executions (start, steps with a measurement
// each, finish + outbox) with the store's queries. Prints "ready" after its first step. Runs until killed,
// or until it has finished `count` executions when a count is given.
import { openStore } from '../src/index.ts';

const [path, stepsText, countText, batchId = 'batch_w'] = process.argv.slice(2);
if (!path) throw new Error('usage: writer-fixture.ts <db path> [steps per execution] [count] [batch id]');
const steps = Number(stepsText ?? 5);
const count = countText === undefined ? Number.POSITIVE_INFINITY : Number(countText);
const store = openStore(path);
process.on('SIGTERM', () => {
  store.close();
  process.exit(0);
});
for (let n = 0; n < count; n++) {
  const { id } = store.createExecution({
    batchId,
    sequenceName: 'writer',
    sequenceVersion: '1',
    packageHash: 'h',
    parameters: { n },
  });
  for (let order = 0; order < steps; order++) {
    // A sampled waveform as a step result: rows of realistic size, so the file spans many pages quickly.
    const samples = Array.from({ length: 256 }, (_, i) => n + i / 1000);
    store.recordStep(
      id,
      { name: `step_${order}`, order, status: 'completed', pass: true, attempts: 1, result: { samples } },
      [{ name: 'v', value: n + order / 10, unit: 'V', low: 0, high: 1e9, pass: true }],
    );
    if (n === 0 && order === 0) console.log('ready');
    // A real runner writes when a step ends, not in a tight loop; leave other processes room between writes.
    Bun.sleepSync(1);
  }
  store.finishExecution(id, { status: 'completed', overallPass: true });
}
store.close();
