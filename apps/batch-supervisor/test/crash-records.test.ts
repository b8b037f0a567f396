// What an execution says after its run was ended from outside, with the real runner under the real
// supervisor: a runner killed mid-step, the station shut down, the operator's abort. (A supervisor lost
// no longer ends a run: real-runner.test.ts.)
// Each ending carries its own status reason; only the operator's is ABORTED.
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { until } from '../../../tests/support/process.ts';
import { Station } from './station.ts';

setDefaultTimeout(60_000);

const PACKAGES = join(import.meta.dir, 'packages');
const HARDWARE = 'hardware: { psu: { driver: sim_psu } }';

let station: Station | undefined;
afterEach(async () => {
  await station?.dispose();
  station = undefined;
});

async function runningStation() {
  station = await new Station([{ id: 'batch_1', sequencePackage: 'unruly', yaml: HARDWARE }], {
    sequencesDir: PACKAGES,
  }).up();
  const sup = station.supervisor({}, true);
  await station.ready();
  const { pid } = await station.client.request('supervisor', 'batch.start', { batchId: 'batch_1' });
  const { executionId } = await station.client.request('runner.batch_1', 'sequence.start', {});
  const st = station;
  const steps = () => st.store.getResult(executionId)?.steps ?? [];
  await until(() => steps()[1]?.status === 'running', 'the hold step on record as running', 20_000);
  return { st, sup, pid, executionId, steps };
}

/** The execution once it has ended, with its outbox row. */
async function ended(st: Station, executionId: string) {
  const row = await until(() => {
    const e = st.store.getExecution(executionId);
    return e && e.status !== 'running' ? e : undefined;
  }, `${executionId} to end`);
  const queued = st.store.sqlite
    .query<{ status: string }, [string]>('SELECT status FROM sync_queue WHERE entity_id = ?')
    .all(executionId);
  return { ...row, queued };
}

describe('an execution ended from outside', () => {
  test('runner killed mid-step: finished steps kept, the one in flight failed, the rest skipped, then queued', async () => {
    const { st, pid, executionId } = await runningStation();
    process.kill(pid, 'SIGKILL');
    const e = await ended(st, executionId);
    expect({ status: e.status, statusReason: e.statusReason, queued: e.queued }).toEqual({
      status: 'failed',
      statusReason: 'BATCH_CRASHED',
      queued: [{ status: 'pending' }],
    });
    expect(e.error).toContain('crashed (signal SIGKILL)');
    const steps = st.store.getResult(executionId)!.steps.map((s) => ({
      name: s.name,
      status: s.status,
      error: s.error,
    }));
    expect(steps).toEqual([
      { name: 'setup', status: 'completed', error: null },
      { name: 'hold', status: 'failed', error: e.error },
      { name: 'report', status: 'skipped', error: null },
      { name: 'power_off', status: 'skipped', error: null },
    ]);
  });

  test('station shut down (supervisor SIGINT, as the launcher stops it): stopped with SHUTDOWN, not ABORTED', async () => {
    const { st, sup, executionId } = await runningStation();
    await sup.kill('SIGINT');
    const e = await ended(st, executionId);
    expect({ status: e.status, statusReason: e.statusReason, queued: e.queued.length }).toEqual({
      status: 'stopped',
      statusReason: 'SHUTDOWN',
      queued: 1,
    });
    expect(e.error).toStartWith('SHUTDOWN: the station is shutting down');
    const done = st.ofBatch('batch_1', 'sequence_complete')[0];
    expect(done?.data).toMatchObject({ executionId, status: 'stopped', statusReason: 'SHUTDOWN' });
  });

  test("operator's abort (sequence.stop) and batch stop stay ABORTED", async () => {
    const { st, executionId } = await runningStation();
    await st.client.request('runner.batch_1', 'sequence.stop', {});
    const e = await ended(st, executionId);
    expect({ status: e.status, statusReason: e.statusReason }).toEqual({
      status: 'stopped',
      statusReason: 'ABORTED',
    });
    expect(e.error).toStartWith('ABORTED:');

    const second = await st.client.request('runner.batch_1', 'sequence.start', {});
    await until(
      () => st.store.getResult(second.executionId)?.steps[1]?.status === 'running',
      'the second run to reach hold',
    );
    await st.client.request('supervisor', 'batch.stop', { batchId: 'batch_1' });
    const f = await ended(st, second.executionId);
    expect({ status: f.status, statusReason: f.statusReason }).toEqual({
      status: 'stopped',
      statusReason: 'ABORTED',
    });
  });
});
