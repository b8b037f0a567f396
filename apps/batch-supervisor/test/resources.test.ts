// Bounded resources with the real runner under the real supervisor: a step that ignores its abort gets
// its runner process replaced before the next run; a runner past its memory limit is stopped as
// RESOURCE_LIMIT and restarted by policy.
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { BatchStatus } from '@station/model';
import { until } from '../../../tests/support/process.ts';
import { MB, watchMemory } from '../src/memory-watch.ts';
import { alive, SIM_PSU, type Station, stationPerTest, TEST_PACKAGES } from './station.ts';

setDefaultTimeout(60_000);

const openStation = stationPerTest();

async function batchStatus(st: Station): Promise<BatchStatus> {
  const list = await st.client.request('supervisor', 'batch.list', {});
  return list.find((b) => b.id === 'batch_1')!;
}

describe('a step that ignores its abort', () => {
  test('sequence.stop ends the run; the runner is then replaced before the next run, and the status says so', async () => {
    const st = await openStation([{ id: 'batch_1', sequencePackage: 'unruly', yaml: SIM_PSU }], {
      sequencesDir: TEST_PACKAGES,
    });
    st.supervisor({}, true);
    await st.ready();
    const { pid } = await st.client.request('supervisor', 'batch.start', { batchId: 'batch_1' });
    const { executionId } = await st.client.request('runner.batch_1', 'sequence.start', {
      parameters: { mode: 'ignore_abort', alloc_mb: 32 },
    });
    await until(
      () => st.store.getResult(executionId)?.steps[1]?.status === 'running',
      'the hold step to run',
    );
    expect(await st.client.request('runner.batch_1', 'sequence.stop', {})).toEqual({ status: 'stopped' });
    const run = st.store.getResult(executionId)!;
    expect({
      status: run.status,
      statusReason: run.statusReason,
      steps: run.steps.map((s) => s.status),
    }).toEqual({
      status: 'stopped',
      statusReason: 'ABORTED',
      steps: ['completed', 'failed', 'skipped', 'completed'],
    });

    // Until it is replaced, the unclean runner runs nothing.
    const refused = await st.failure(st.client.request('runner.batch_1', 'sequence.start', {}));
    expect(['RUNNER_NOT_CLEAN', 'SHUTTING_DOWN', 'SERVICE_UNAVAILABLE']).toContain(refused.code);

    // The old process (still running the abandoned step) is gone and a new one serves the batch.
    await until(() => !alive(pid), 'the unclean runner to be ended', 20_000);
    const after = await until(async () => {
      const b = await batchStatus(st);
      return b.status === 'running' && b.pid !== pid ? b : undefined;
    }, 'a new runner');
    expect(after.lastError).toMatchObject({
      code: 'RUNNER_RECYCLED',
      message: expect.stringContaining('step hold did not return'),
      details: { steps: ['hold'] },
    });
    // The event comes through the broker, which may be behind the state read above.
    await until(
      () =>
        st.ofBatch('batch_1', 'error').some((e) => e.type === 'error' && e.data.code === 'RUNNER_RECYCLED'),
      'the RUNNER_RECYCLED event',
    );
    expect(st.ofBatch('batch_1', 'error').map((e) => e.data)).toContainEqual(
      expect.objectContaining({ code: 'RUNNER_RECYCLED' }),
    );

    // The new runner is clean and runs the next sequence.
    const next = await st.client.request('runner.batch_1', 'sequence.start', {});
    await until(
      () => st.store.getResult(next.executionId)?.steps[1]?.status === 'running',
      'the next run to reach hold',
    );
    await st.client.request('runner.batch_1', 'sequence.stop', {});
    expect((await batchStatus(st)).pid).toBe(after.pid);
  });
});

describe('the memory limit (limits.memory_mb)', () => {
  test('the watchdog samples on the given schedule and reports the first sample past the limit', async () => {
    const readings = [100 * MB, 150 * MB, 201 * MB, 500 * MB];
    const sleeps: number[] = [];
    const over: number[] = [];
    await watchMemory({
      pid: 42,
      limitMb: 200,
      everyMs: 250,
      probe: () => readings.shift(),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      live: () => true,
      onOver: (rss) => over.push(rss),
    });
    expect({ sleeps, over, left: readings.length }).toEqual({
      sleeps: [250, 250],
      over: [201 * MB],
      left: 1,
    });
  });

  test('a runner that allocates past its limit is killed as RESOURCE_LIMIT, its execution says so, and the restart policy brings it back', async () => {
    const st = await openStation(
      [
        {
          id: 'batch_1',
          sequencePackage: 'unruly',
          restart: '{ policy: on-failure, max_restarts: 3, backoff_base: 100ms }',
          yaml: `${SIM_PSU}
    limits: { memory_mb: 256 }`,
        },
      ],
      { sequencesDir: TEST_PACKAGES },
    );
    st.supervisor({ memorySampleMs: 100 }, true);
    await st.ready();
    const { pid } = await st.client.request('supervisor', 'batch.start', { batchId: 'batch_1' });
    const { executionId } = await st.client.request('runner.batch_1', 'sequence.start', {
      parameters: { mode: 'allocate', alloc_mb: 1024 },
    });

    const ended = await until(
      () => {
        const e = st.store.getExecution(executionId);
        return e && e.status !== 'running' ? e : undefined;
      },
      'the execution to end',
      30_000,
    );
    expect({ status: ended.status, statusReason: ended.statusReason }).toEqual({
      status: 'failed',
      statusReason: 'RESOURCE_LIMIT',
    });
    expect(ended.error).toMatch(/RSS \d+ MB passed the limit of 256 MB \(limits\.memory_mb\)/);
    expect(st.store.getResult(executionId)!.steps.map((s) => [s.name, s.status])).toEqual([
      ['setup', 'completed'],
      ['hold', 'failed'],
      ['report', 'skipped'],
      ['power_off', 'skipped'],
    ]);
    expect(alive(pid)).toBe(false);
    // The event comes through the broker, which may be behind the state read above.
    await until(
      () =>
        st.ofBatch('batch_1', 'error').some((e) => e.type === 'error' && e.data.code === 'RESOURCE_LIMIT'),
      'the RESOURCE_LIMIT event',
    );
    expect(st.ofBatch('batch_1', 'error').map((e) => e.data)).toContainEqual(
      expect.objectContaining({ code: 'RESOURCE_LIMIT' }),
    );

    // The restart policy applies: a new runner, with the limit on the card until someone restarts it.
    const back = await until(
      async () => {
        const b = await batchStatus(st);
        return b.status === 'running' && b.pid !== pid ? b : undefined;
      },
      'the restart policy to start a new runner',
      30_000,
    );
    expect(back.lastError).toMatchObject({
      code: 'RESOURCE_LIMIT',
      details: { restart: { attempt: 1 } },
    });
  });
});
