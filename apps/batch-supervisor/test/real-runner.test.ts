// The supervisor with the real apps/batch-runner and the shipped psu_functional package: the same
// lifecycle as with the stand-in, proving the two agree on command line, registration, shutdown,
// adoption by a new supervisor and the orphan timeout.
import { expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '../../../tests/support/process.ts';
import { alive, commandLine, stationPerTest } from './station.ts';

setDefaultTimeout(30_000);

const SEQUENCES = join(import.meta.dir, '../../../sequences');
const HARDWARE = 'hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }';

const openStation = stationPerTest();

test('start, run a sequence, stop', async () => {
  const st = await openStation([{ id: 'batch_1', sequencePackage: 'psu_functional', yaml: HARDWARE }], {
    sequencesDir: SEQUENCES,
  });
  await st.realSupervisor();
  const c = st.client;
  const { pid } = await c.request('supervisor', 'batch.start', { batchId: 'batch_1' });
  // The runner bundled into one file (apps/batch-runner/build.ts), or its sources while that is built.
  expect(commandLine(pid)).toMatch(/apps\/batch-runner\/(dist\/main\.js|src\/main\.ts) /);
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
});

test('a SIGKILLed supervisor: the next adopts the runner mid-run; alone past orphan_timeout it finishes its run and stops', async () => {
  const st = await openStation([{ id: 'batch_1', sequencePackage: 'psu_functional', yaml: HARDWARE }], {
    sequencesDir: SEQUENCES,
    // Long enough for the next supervisor to spawn and send its first heartbeat on a loaded machine: at
    // 1.5 s the runner, mid-run of this short sequence, took itself for an orphan and stopped first.
    yaml: 'supervisor:\n  orphan_timeout: 6s',
  });
  const c = st.client;
  let sup = st.supervisor({}, true);
  await st.ready();
  const { pid } = await c.request('supervisor', 'batch.start', { batchId: 'batch_1' });
  const first = await c.request('runner.batch_1', 'sequence.start', {});
  await sup.kill('SIGKILL');

  // A new supervisor takes the runner over in the middle of its run: same process, same execution.
  sup = st.supervisor({}, true);
  await st.ready();
  // `starting` until the runner answers (it may be slow to on a loaded machine), then `running`: the same pid.
  const detail = await until(
    async () => {
      const d = await c.request('supervisor', 'batch.get', { batchId: 'batch_1' });
      return d.status === 'running' ? d : undefined;
    },
    'the adopted runner to be running',
    20_000,
  );
  expect(detail.pid).toBe(pid);
  const done = await until(
    () =>
      st
        .ofBatch('batch_1', 'sequence_complete')
        .find((e) => (e.data as { executionId?: string }).executionId === first.executionId),
    'the first run to complete',
    20_000,
  );
  expect(done.data).toMatchObject({ overallPass: true, status: 'completed' });

  // Without any supervisor: the run in progress completes, then the runner stops by itself.
  const second = await c.request('runner.batch_1', 'sequence.start', {});
  await sup.kill('SIGKILL');
  await until(() => !alive(pid), 'the orphaned runner to stop', 30_000);
  const row = st.store.getExecution(second.executionId)!;
  expect({ status: row.status, pass: row.overallPass }).toEqual({ status: 'completed', pass: true });
  const exit = JSON.parse(readFileSync(join(st.dir, 'data/run/runner-batch_1.exit'), 'utf8'));
  expect(exit).toMatchObject({ pid, reason: 'ORPHANED', code: 0 });
});
