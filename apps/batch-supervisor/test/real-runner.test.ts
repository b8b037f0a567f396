// The supervisor with the real apps/batch-runner and the shipped psu_functional package: the same
// lifecycle as with the stand-in, proving the two agree on command line, registration, shutdown and
// the parent link.
import { afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { until } from '../../../tests/support/process.ts';
import { alive, commandLine, Station } from './station.ts';

setDefaultTimeout(30_000);

const SEQUENCES = join(import.meta.dir, '../../../sequences');
const HARDWARE = 'hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }';

let station: Station | undefined;
afterEach(async () => {
  await station?.dispose();
  station = undefined;
});

test('start, run a sequence, stop; then a SIGKILLed supervisor leaves no runner behind', async () => {
  station = await new Station([{ id: 'batch_1', sequencePackage: 'psu_functional', yaml: HARDWARE }], {
    sequencesDir: SEQUENCES,
  }).up();
  const st = station;
  const sup = st.supervisor({}, true);
  await st.ready();
  const c = st.client;
  const { pid } = await c.request('supervisor', 'batch.start', { batchId: 'batch_1' });
  expect(commandLine(pid)).toContain('apps/batch-runner/src/main.ts');
  expect(commandLine(pid)).toContain('--batch batch_1 --station test_station');

  const { executionId } = await c.request('runner.batch_1', 'sequence.start', {});
  const done = await until(
    () => st.ofBatch('batch_1', 'sequence_complete')[0],
    'the sequence to complete',
    20_000,
  );
  expect(done.data).toMatchObject({ executionId, overallPass: true });
  const detail = await c.request('supervisor', 'batch.get', { batchId: 'batch_1' });
  expect(detail).toMatchObject({
    status: 'running',
    pid,
    sequencePackage: 'psu_functional',
    package: { name: 'psu_functional' },
  });
  expect(await c.request('supervisor', 'batch.stop', { batchId: 'batch_1' })).toEqual({ status: 'idle' });
  expect(alive(pid)).toBe(false);

  const again = await c.request('supervisor', 'batch.start', { batchId: 'batch_1' });
  await sup.kill('SIGKILL');
  await until(() => !alive(again.pid), 'the orphaned runner to exit by itself', 10_000);
});
