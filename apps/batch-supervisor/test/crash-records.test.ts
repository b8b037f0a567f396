// What an execution says after its run was ended from outside, with the real runner under the real
// supervisor: a runner killed mid-step, the station shut down, the operator's abort. (A supervisor lost
// no longer ends a run: real-runner.test.ts.)
// Each ending carries its own status reason; only the operator's is ABORTED.
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '../../../tests/support/process.ts';
import { SIM_PSU, type Station, stationPerTest, TEST_PACKAGES } from './station.ts';

setDefaultTimeout(60_000);

const openStation = stationPerTest();
/** batch_1 running `sequencePackage` from the test packages. */
const stationOf = (sequencePackage: string) =>
  openStation([{ id: 'batch_1', sequencePackage, yaml: SIM_PSU }], { sequencesDir: TEST_PACKAGES });

async function runningStation() {
  const st = await stationOf('unruly');
  const sup = await st.realSupervisor();
  const { pid } = await st.client.request('supervisor', 'batch.start', { batchId: 'batch_1' });
  const { executionId } = await st.client.request('runner.batch_1', 'sequence.start', {});
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
    // The event comes through the broker, which may be behind the store.
    const done = await until(() => st.ofBatch('batch_1', 'sequence_complete')[0], 'the run end event');
    expect(done.data).toMatchObject({ executionId, status: 'stopped', statusReason: 'SHUTDOWN' });
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

describe('a crashed slot comes back safe', () => {
  /** Kills the runner mid-hold, then starts the batch again by hand (the restart policy is `never`). */
  async function crashAndRestart(parameters: Record<string, unknown> = {}) {
    const st = await stationOf('unruly');
    await st.realSupervisor();
    const { pid } = await st.client.request('supervisor', 'batch.start', { batchId: 'batch_1' });
    const { executionId } = await st.client.request('runner.batch_1', 'sequence.start', { parameters });
    await until(
      () => st.store.getResult(executionId)?.steps[1]?.status === 'running',
      'the hold step on record as running',
      20_000,
    );
    process.kill(pid, 'SIGKILL');
    await until(() => st.store.getExecution(executionId)?.status === 'failed', 'the crash to be marked');
    // The new runner recovers before it registers: once `running`, the recovery is on record.
    const again = await st.client.request('supervisor', 'batch.start', { batchId: 'batch_1' });
    expect(again.status).toBe('running');
    return { st, executionId };
  }

  test('the next runner puts the hardware in its safe state and runs the cleanup steps, recorded on the cut-off run', async () => {
    const { st, executionId } = await crashAndRestart();
    expect(st.store.getRecovery(executionId)).toEqual({
      startedAt: expect.any(String),
      completedAt: expect.any(String),
      passed: true,
      safeState: [{ hardware: 'psu', ok: true }],
      steps: [{ name: 'power_off', status: 'completed', pass: true }],
    });
    const detail = await st.client.request('supervisor', 'batch.get', { batchId: 'batch_1' });
    expect(detail.lastError).toBeUndefined();
    // Ready: the next run starts, and a second runner start does not recover the same run again.
    const next = await st.client.request('runner.batch_1', 'sequence.start', {});
    expect(next.executionId).not.toBe(executionId);
  });

  test('a recovery that fails refuses runs (RECOVERY_FAILED) until an operator acknowledges it', async () => {
    const { st, executionId } = await crashAndRestart({ cleanup_fails: true });
    const record = st.store.getRecovery(executionId)!;
    expect({ passed: record.passed, steps: record.steps }).toEqual({
      passed: false,
      steps: [
        {
          name: 'power_off',
          status: 'failed',
          pass: false,
          error: 'relay stuck: output cannot be switched off',
        },
      ],
    });
    // The runner's own `error` event reaches a subscriber, though it is raised before the runner's
    // publisher is linked to the broker (it is held until the broker passes a subscription on).
    const event = await until(
      () =>
        st.ofBatch('batch_1', 'error').find((e) => e.type === 'error' && e.data.code === 'RECOVERY_FAILED'),
      'the RECOVERY_FAILED event',
      10_000,
    );
    expect(event.type === 'error' && event.data.message).toContain(
      'cleanup step power_off failed: relay stuck',
    );
    const refused = await st.failure(st.client.request('runner.batch_1', 'sequence.start', {}));
    expect(refused.code).toBe('RECOVERY_FAILED');
    expect(refused.message).toContain('cleanup step power_off failed: relay stuck');
    expect(refused.message).toContain('acknowledge it (POST /api/batches/batch_1/acknowledge)');
    // The card says so: the batch's lastError, from the runner's status.
    const shown = await until(async () => {
      const list = await st.client.request('supervisor', 'batch.list', {});
      return list[0]?.lastError?.code === 'RECOVERY_FAILED' ? list[0] : undefined;
    }, 'RECOVERY_FAILED on the batch');
    expect(shown.lastError?.message).toContain(`recovery after ${executionId}`);

    const ack = await st.client.request('runner.batch_1', 'recovery.acknowledge', { operator: 'op-17' });
    expect(ack).toEqual({ executionId, acknowledgedAt: expect.any(String) });
    expect(st.store.getRecovery(executionId)).toMatchObject({ passed: false, acknowledgedBy: 'op-17' });
    const again = await st.failure(st.client.request('runner.batch_1', 'recovery.acknowledge', {}));
    expect(again.code).toBe('NOT_FOUND');
    await st.client.request('runner.batch_1', 'sequence.start', {});
    await until(async () => {
      const list = await st.client.request('supervisor', 'batch.list', {});
      return list[0]?.lastError === undefined;
    }, 'the error to leave the card');
  });
});

describe('resume after a crash (resume: after_last_completed)', () => {
  test('the next runner continues the same execution at the cut-off step; it ends once, with every step once', async () => {
    const st = await stationOf('soak');
    await st.realSupervisor();
    const parameters = { trace: join(st.dir, 'trace.txt'), release: join(st.dir, 'release') };
    const { pid } = await st.client.request('supervisor', 'batch.start', { batchId: 'batch_1' });
    const { executionId } = await st.client.request('runner.batch_1', 'sequence.start', {
      parameters,
      dut: { serialNumber: 'SN-000042' },
    });
    const steps = () => st.store.getResult(executionId)?.steps ?? [];
    await until(() => steps()[1]?.status === 'running', 'the soak step on record as running', 20_000);
    // Its trace line written: the step is under way, not only on record.
    await until(
      () => existsSync(parameters.trace) && readFileSync(parameters.trace, 'utf8').includes('soak'),
      'the soak step under way',
    );
    process.kill(pid, 'SIGKILL');

    // Held for the next runner: still running, with the crash on record, not queued, no end announced.
    const held = await until(() => {
      const e = st.store.getExecution(executionId);
      return e?.statusReason ? e : undefined;
    }, 'the crash to be recorded');
    expect({ status: held.status, statusReason: held.statusReason }).toEqual({
      status: 'running',
      statusReason: 'BATCH_CRASHED',
    });
    expect(queuedRows(st, executionId)).toBe(0);
    expect(steps().map((s) => s.status)).toEqual(['completed', 'running', 'pending', 'pending']);

    writeFileSync(parameters.release, '');
    const again = await st.client.request('supervisor', 'batch.start', { batchId: 'batch_1' });
    expect(again.status).toBe('running');
    const e = await ended(st, executionId);
    expect({
      status: e.status,
      overallPass: e.overallPass,
      statusReason: e.statusReason,
      error: e.error,
      queued: e.queued.length,
      serial: e.serialNumber,
      parameters: e.parameters,
    }).toEqual({
      status: 'completed',
      overallPass: true,
      statusReason: null,
      error: null,
      queued: 1,
      serial: 'SN-000042',
      parameters,
    });
    // warm_up ran once; soak twice (the cut-off attempt and the resumed one); no cleanup before resuming.
    expect(readFileSync(parameters.trace, 'utf8').split('\n').filter(Boolean)).toEqual([
      'warm_up',
      'soak',
      'soak',
      'measure',
      'power_off',
    ]);
    const rows = st.store.sqlite
      .query<{ name: string; status: string }, [string]>(
        'SELECT name, status FROM step_results WHERE execution_id = ? ORDER BY step_order',
      )
      .all(executionId);
    expect(rows).toEqual([
      { name: 'warm_up', status: 'completed' },
      { name: 'soak', status: 'completed' },
      { name: 'measure', status: 'completed' },
      { name: 'power_off', status: 'completed' },
    ]);
    expect(st.store.getRecovery(executionId)).toEqual({
      kind: 'resume',
      startedAt: expect.any(String),
      completedAt: expect.any(String),
      passed: true,
      safeState: [{ hardware: 'psu', ok: true }],
      steps: [],
      resumedFrom: { order: 1, step: 'soak' },
      interruption: { reason: 'BATCH_CRASHED', message: expect.stringContaining('crashed (signal SIGKILL)') },
    });
    // One end announced for the run, the station's own PASS.
    const done = await until(() => {
      const ends = st
        .ofBatch('batch_1', 'sequence_complete')
        .filter((ev) => (ev.data as { executionId?: string }).executionId === executionId);
      return ends.length > 0 ? ends : undefined;
    }, 'the resumed run to announce its end');
    expect(done.map((ev) => (ev.data as { verdict?: string }).verdict)).toEqual(['PASS']);
    // The first runner's reports of the run say nothing of a resume; every report of the resumed run
    // does (where it continued and why), so the screens mark it while it runs; the end report does not.
    const reports = st
      .ofBatch('batch_1', 'sequence_status')
      .flatMap((ev) =>
        ev.type === 'sequence_status' && ev.data.executionId === executionId ? [ev.data] : [],
      );
    const running = reports.filter((r) => r.sequenceRunning);
    const firstResumed = running.findIndex((r) => r.resumes !== undefined);
    expect(firstResumed).toBeGreaterThan(0);
    expect(running.slice(0, firstResumed).every((r) => r.resumes === undefined)).toBe(true);
    for (const r of running.slice(firstResumed)) {
      expect(r.resumes).toEqual([
        {
          resumedAt: expect.any(String),
          fromOrder: 1,
          fromStep: 'soak',
          reason: 'BATCH_CRASHED',
          message: expect.stringContaining('crashed (signal SIGKILL)'),
        },
      ]);
    }
    expect(reports.filter((r) => !r.sequenceRunning).every((r) => r.resumes === undefined)).toBe(true);
  });
});

function queuedRows(st: Station, executionId: string): number {
  return st.store.sqlite
    .query<{ n: number }, [string]>('SELECT count(*) AS n FROM sync_queue WHERE entity_id = ?')
    .get(executionId)!.n;
}
