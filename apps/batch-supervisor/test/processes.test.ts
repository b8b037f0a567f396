// The supervisor as a real process, with real runner processes (runner-fixture.ts), a real broker and a
// real store: what an operator would see through the bus, `ps` and the database.
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPidFile, writePidFile } from '@station/service/runner-files';
import { until } from '../../../tests/support/process.ts';
import { alive, type BatchSpec, commandLine, Station } from './station.ts';

// Real processes on a loaded 2-core machine: allow more than bun's 5 s default per test.
setDefaultTimeout(30_000);

let station: Station | undefined;
afterEach(async () => {
  await station?.dispose();
  station = undefined;
});

async function up(batches: BatchSpec[]): Promise<Station> {
  station = await new Station(batches).up();
  station.supervisor();
  await station.ready();
  return station;
}

describe('start, stop, restart through the bus', () => {
  test('each batch starts a named runner process, stops it, and restarts it', async () => {
    const st = await up([{ id: 'b1' }, { id: 'b2' }]);
    const c = st.client;
    const one = await c.request('supervisor', 'batch.start', { batchId: 'b1' });
    const two = await c.request('supervisor', 'batch.start', { batchId: 'b2' });
    expect(one.status).toBe('running');
    expect(alive(one.pid) && alive(two.pid)).toBe(true);
    // The runbook greps `ps` for "station": the command line carries the marker and the batch id.
    expect(commandLine(one.pid)).toContain('--batch b1 --station test_station');
    expect(st.runnerPids().sort()).toEqual([one.pid, two.pid].sort());
    const list = await c.request('supervisor', 'batch.list', {});
    expect(list.map((b) => [b.id, b.status, b.pid])).toEqual([
      ['b1', 'running', one.pid],
      ['b2', 'running', two.pid],
    ]);

    const again = await c.request('supervisor', 'batch.restart', { batchId: 'b1' });
    expect(again.pid).not.toBe(one.pid);
    expect(alive(one.pid)).toBe(false);
    expect(alive(two.pid)).toBe(true);

    expect(await c.request('supervisor', 'batch.stop', { batchId: 'b1' })).toEqual({ status: 'idle' });
    expect(await c.request('supervisor', 'batch.stop', { batchId: 'b2' })).toEqual({ status: 'idle' });
    expect(alive(again.pid) || alive(two.pid)).toBe(false);
    expect(st.runnerPids()).toEqual([]);
    // The reply and the events take different paths (the bus's request socket, the broker's event
    // stream): `idle` may reach this process just after the reply that says it.
    const statusesOf = () =>
      st.ofBatch('b2', 'batch_process').map((e) => (e.data as { status: string }).status);
    await until(() => statusesOf().includes('idle'), "b2's idle event");
    const statuses = statusesOf();
    expect(statuses.filter((s, i) => s !== statuses[i - 1])).toEqual([
      'starting',
      'running',
      'stopping',
      'idle',
    ]);
  });
});

describe('isolation', () => {
  test("restarting one batch: the other's sequence runs on and its events never pause", async () => {
    station = await new Station([{ id: 'b1' }, { id: 'b2' }]).up();
    const st = station;
    st.behave('b1', { autoSequence: true, steps: 50, stepMs: 100 });
    st.behave('b2', { autoSequence: true, steps: 20, stepMs: 100 });
    st.supervisor();
    await st.ready();
    const c = st.client;
    const [, two] = await Promise.all([
      c.request('supervisor', 'batch.start', { batchId: 'b1' }),
      c.request('supervisor', 'batch.start', { batchId: 'b2' }),
    ]);
    await until(() => st.ofBatch('b2', 'step_complete').length >= 2, 'b2 to be under way');
    await c.request('supervisor', 'batch.restart', { batchId: 'b1' });
    await c.request('supervisor', 'batch.restart', { batchId: 'b1' });
    const done = await until(() => st.ofBatch('b2', 'sequence_complete')[0], 'b2 to complete', 15_000);
    expect(done.data).toMatchObject({ overallPass: true });
    expect(st.ofBatch('b2', 'step_complete')).toHaveLength(20);
    expect(st.longestGap('b2', 'step_complete')).toBeLessThan(1_000);
    const list = await c.request('supervisor', 'batch.list', {});
    expect(list.map((b) => [b.id, b.status, b.pid === two.pid])).toEqual([
      ['b1', 'running', false],
      ['b2', 'running', true],
    ]);
    // b1's two interrupted runs ended `stopped`; the third is running.
    const b1 = st.store.sqlite
      .query("SELECT status FROM executions WHERE batch_id = 'b1' ORDER BY started_at")
      .all();
    expect(b1).toEqual([{ status: 'stopped' }, { status: 'stopped' }, { status: 'running' }]);
  });
});

describe('illegal requests and concurrency', () => {
  test('typed errors for every illegal request; two concurrent starts make one process', async () => {
    const st = await up([{ id: 'b1' }]);
    const c = st.client;
    expect(await st.failure(c.request('supervisor', 'batch.stop', { batchId: 'b1' }))).toEqual({
      code: 'NOT_RUNNING',
      message: 'batch b1 is not running',
      details: { batchId: 'b1', status: 'idle' },
    });
    expect(await st.failure(c.request('supervisor', 'batch.start', { batchId: 'b9' }))).toEqual({
      code: 'NOT_FOUND',
      message: "no batch b9 in this station's configuration",
      details: { batchId: 'b9', batches: ['b1'] },
    });
    const [a, b] = await Promise.all([
      c.request('supervisor', 'batch.start', { batchId: 'b1' }),
      c.request('supervisor', 'batch.start', { batchId: 'b1' }),
    ]);
    expect(b).toEqual(a);
    expect(st.runnerPids()).toEqual([a.pid]);
    expect(await st.failure(c.request('supervisor', 'batch.start', { batchId: 'b1' }))).toEqual({
      code: 'ALREADY_RUNNING',
      message: 'batch b1 is already running',
      details: { batchId: 'b1', pid: a.pid },
    });
    expect(st.runnerPids()).toEqual([a.pid]);
  });
});

describe('failures', () => {
  test('a runner that never registers is killed at the start timeout, with its stderr in the error', async () => {
    station = await new Station([{ id: 'b1' }]).up();
    const st = station;
    st.behave('b1', { register: false, stderr: ['loading fixture', 'fatal: no driver "psu"'] });
    st.supervisor({ startTimeoutMs: 1_500 });
    await st.ready();
    const err = await st.failure(st.client.request('supervisor', 'batch.start', { batchId: 'b1' }));
    expect(err.code).toBe('START_FAILED');
    expect(err.message).toBe(
      'runner of b1 ended before registering on the bus (the runner did not register on the bus within 1500 ms; killed (signal SIGKILL)); last stderr: fatal: no driver "psu"',
    );
    expect(err.details).toEqual({
      batchId: 'b1',
      exitCode: null,
      signal: 'SIGKILL',
      killedBecause: 'the runner did not register on the bus within 1500 ms',
      stderr: ['loading fixture', 'fatal: no driver "psu"'],
      executions: [],
    });
    expect(st.runnerPids()).toEqual([]);
    const [status] = await st.client.request('supervisor', 'batch.list', {});
    expect(status).toMatchObject({ status: 'error', lastError: { code: 'BATCH_START_FAILED' } });
  });

  test('SIGKILL of a runner mid-sequence: error within 1 s, execution failed, the other batch unaffected', async () => {
    station = await new Station([{ id: 'b1' }, { id: 'b2' }]).up();
    const st = station;
    st.behave('b1', { autoSequence: true, steps: 30, stepMs: 100 });
    st.behave('b2', { autoSequence: true, steps: 25, stepMs: 100 });
    st.supervisor();
    await st.ready();
    const [one] = await Promise.all([
      st.client.request('supervisor', 'batch.start', { batchId: 'b1' }),
      st.client.request('supervisor', 'batch.start', { batchId: 'b2' }),
    ]);
    const exec = await until(() => st.store.runningExecutions('b1')[0], 'b1 execution');
    await until(() => st.store.getResult(exec.id)!.steps.length >= 3, 'b1 to finish three steps');
    await until(() => st.ofBatch('b2', 'step_complete').length >= 3, 'b2 step events');
    const killedAt = Date.now();
    process.kill(one.pid, 'SIGKILL');
    const crash = await until(() => st.ofBatch('b1', 'error')[0], 'the BATCH_CRASHED event');
    expect(Date.now() - killedAt).toBeLessThan(1_000);
    const message = 'runner of b1 crashed (signal SIGKILL)';
    expect(crash).toEqual({
      type: 'error',
      batch_id: 'b1',
      data: {
        code: 'BATCH_CRASHED',
        message,
        details: { exitCode: null, signal: 'SIGKILL', stderr: [], executions: [exec.id] },
      },
    });
    const row = await until(() => {
      const r = st.store.getExecution(exec.id)!;
      return r.status === 'running' ? undefined : r;
    }, 'the execution to be marked');
    expect({ status: row.status, error: row.error }).toEqual({ status: 'failed', error: message });
    const steps = st.store.getResult(exec.id)!.steps;
    expect(steps.length).toBeGreaterThanOrEqual(3);
    expect(steps.slice(0, 3).map((s) => [s.name, s.status, s.pass])).toEqual([
      ['step_0', 'completed', true],
      ['step_1', 'completed', true],
      ['step_2', 'completed', true],
    ]);
    const queued = st.store.sqlite.query('SELECT status FROM sync_queue WHERE entity_id = ?').all(exec.id);
    expect(queued).toEqual([{ status: 'pending' }]);

    // b2 ran on: its sequence completed, every step reported, no gap in its events around the crash.
    const done = await until(() => st.ofBatch('b2', 'sequence_complete')[0], 'b2 to complete', 15_000);
    expect(done.data).toMatchObject({ overallPass: true });
    expect(st.ofBatch('b2', 'step_complete')).toHaveLength(25);
    // Steps take 100 ms; a second of silence would mean b2 was held up by b1's crash.
    expect(st.longestGap('b2', 'step_complete')).toBeLessThan(1_000);
    const list = await st.client.request('supervisor', 'batch.list', {});
    expect(list.map((b) => b.status)).toEqual(['error', 'running']);
    // The run b1's runner died in is counted by the supervisor, which ended it, as an error.
    const families = await st.client.request('supervisor', 'metrics', {});
    const runs = families.find((f) => f.name === 'station_runs_total')!.values;
    expect(runs.map((v) => [v.labels.batch, v.labels.verdict, v.labels.service, v.value])).toEqual([
      ['b1', 'error', 'supervisor', 1],
    ]);
  });

  test('a hung runner (alive, silent on the bus) is killed and reported as crashed', async () => {
    station = await new Station([{ id: 'b1' }]).up();
    const st = station;
    st.behave('b1', { hangAfterMs: 200 });
    st.supervisor();
    await st.ready();
    const { pid } = await st.client.request('supervisor', 'batch.start', { batchId: 'b1' });
    const crash = await until(() => st.ofBatch('b1', 'error')[0], 'the hang to be detected', 15_000);
    expect(crash.data).toMatchObject({ code: 'BATCH_CRASHED', details: { signal: 'SIGKILL' } });
    expect((crash.data as { message: string }).message).toStartWith(
      'runner of b1 crashed (no heartbeat answer for 3 periods of 200 ms',
    );
    expect(alive(pid)).toBe(false);
  });

  test('restart policy: a runner that keeps exiting is restarted with backoff, then left in error', async () => {
    station = await new Station([
      {
        id: 'b1',
        restart: '{ policy: on-failure, max_restarts: 2, window: 60s, backoff_base: 100ms, backoff_cap: 1s }',
      },
    ]).up();
    const st = station;
    st.behave('b1', { exitAfterMs: 100, exitCode: 3, stderr: ['about to fail'] });
    st.supervisor();
    await st.ready();
    await st.client.request('supervisor', 'batch.start', { batchId: 'b1' });
    const codes = () => st.ofBatch('b1', 'error').map((e) => (e.data as { code: string }).code);
    await until(() => codes().includes('BATCH_RESTART_GAVE_UP'), 'the give-up', 20_000);
    expect(codes()).toEqual(['BATCH_CRASHED', 'BATCH_CRASHED', 'BATCH_CRASHED', 'BATCH_RESTART_GAVE_UP']);
    const crash = st.ofBatch('b1', 'error')[0]!.data as { message: string };
    expect(crash.message).toBe('runner of b1 crashed (exit code 3); last stderr: about to fail');
    const detail = await st.client.request('supervisor', 'batch.get', { batchId: 'b1' });
    expect(detail).toMatchObject({ status: 'error', restarts: 2, lastError: { code: 'BATCH_CRASHED' } });
    expect(st.runnerPids()).toEqual([]);
    // The same in the supervisor's metrics, asked over the bus (the client checks the reply's schema).
    const families = await st.client.request('supervisor', 'metrics', {});
    const value = (name: string, labels: Record<string, string>) =>
      families
        .find((f) => f.name === name)
        ?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
    expect(value('station_runner_restarts_total', { batch: 'b1', service: 'supervisor' })).toBe(2);
    expect(value('station_batch_state', { batch: 'b1', state: 'error' })).toBe(1);
    expect(value('station_batch_state', { batch: 'b1', state: 'running' })).toBe(0);
    expect(value('station_runner_resident_memory_bytes', { batch: 'b1' })).toBeUndefined();
  });
});

describe('auto-start and shutdown', () => {
  test('auto_start batches come up with the supervisor; SIGINT stops them all and exits 0', async () => {
    station = await new Station([
      { id: 'b1', autoStart: true },
      { id: 'b2' },
      { id: 'b3', autoStart: true },
    ]).up();
    const st = station;
    st.behave('b1', { autoSequence: true, steps: 100, stepMs: 100 });
    st.behave('b3', { autoSequence: true, steps: 100, stepMs: 100, ignoreShutdown: true });
    const sup = st.supervisor();
    await st.ready();
    const running = await until(async () => {
      const list = await st.client.request('supervisor', 'batch.list', {});
      return list.every((b) => b.status === (b.id === 'b2' ? 'idle' : 'running')) ? list : undefined;
    }, 'the auto-start');
    const pids = running.flatMap((b) => (b.pid === undefined ? [] : [b.pid]));
    expect(pids).toHaveLength(2);
    const execs = await until(() => {
      const r = st.store.runningExecutions();
      return r.length === 2 ? r : undefined;
    }, 'both sequences to run');
    sup.proc.kill('SIGINT');
    expect(await sup.exited).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(st.runnerPids()).toEqual([]);
    // b1 stopped itself when asked; b3 ignored the request and got SIGTERM; both end `stopped`.
    expect(execs.map((e) => st.store.getExecution(e.id)!.status)).toEqual(['stopped', 'stopped']);
    // Nothing is left for a next supervisor to adopt.
    expect(readPidFile(join(st.dir, 'data'), 'b1')).toBeUndefined();
  });
});

describe('the supervisor comes and goes; runners stay', () => {
  /** Two auto-started batches running long fixture sequences. */
  async function twoRunning() {
    station = await new Station([
      { id: 'b1', autoStart: true },
      { id: 'b2', autoStart: true },
    ]).up();
    const st = station;
    st.behave('b1', { autoSequence: true, steps: 40, stepMs: 100 });
    st.behave('b2', { autoSequence: true, steps: 40, stepMs: 100 });
    const sup = st.supervisor();
    await st.ready();
    const list = await until(async () => {
      const l = await st.client.request('supervisor', 'batch.list', {});
      return l.every((b) => b.status === 'running' && b.executionId) ? l : undefined;
    }, 'both batches running a sequence');
    return { st, sup, pids: list.map((b) => b.pid!), execs: list.map((b) => b.executionId!) };
  }

  async function statuses(st: Station) {
    const list = await st.client.request('supervisor', 'batch.list', {});
    return list.map((b) => ({ id: b.id, status: b.status, pid: b.pid }));
  }

  test('SIGKILL: runners run on; the next supervisor adopts them at once and their runs complete', async () => {
    const { st, sup, pids, execs } = await twoRunning();
    await sup.kill('SIGKILL');
    expect(pids.every(alive)).toBe(true);
    const before = st.events.length;
    st.supervisor();
    await st.ready();
    // Adopted before the supervisor serves: the first list already shows them running, same processes.
    expect(await statuses(st)).toEqual([
      { id: 'b1', status: 'running', pid: pids[0] },
      { id: 'b2', status: 'running', pid: pids[1] },
    ]);
    expect(st.runnerPids().sort()).toEqual([...pids].sort());
    // Never shown as starting or idle on the way: the runs were not interrupted.
    const shown = st.events.slice(before).filter((e) => e.type === 'batch_process');
    expect(shown.map((e) => (e.data as { status: string }).status).filter((s) => s !== 'running')).toEqual(
      [],
    );
    for (const id of execs) {
      await until(() => st.store.getExecution(id)?.status === 'completed', `${id} to complete`, 20_000);
      expect(st.store.getResult(id)!.steps.filter((s) => s.status === 'completed')).toHaveLength(40);
    }
    // Supervised as if spawned here: heartbeats keep the status coming, and a stop ends the process.
    expect(await st.client.request('supervisor', 'batch.stop', { batchId: 'b1' })).toEqual({
      status: 'idle',
    });
    await until(() => !alive(pids[0]!), 'the adopted runner to exit');
    expect(alive(pids[1]!)).toBe(true);
  });

  test('SIGTERM leaves the runners running (exit 0); a new supervisor adopts them', async () => {
    const { st, sup, pids } = await twoRunning();
    sup.proc.kill('SIGTERM');
    expect(await sup.exited).toBe(0);
    expect(pids.every(alive)).toBe(true);
    st.supervisor();
    await st.ready();
    expect(await statuses(st)).toEqual([
      { id: 'b1', status: 'running', pid: pids[0] },
      { id: 'b2', status: 'running', pid: pids[1] },
    ]);
  });

  test("the station's stop after the supervisor left: stop-runners ends every runner with SIGTERM", async () => {
    const { st, sup, pids } = await twoRunning();
    sup.proc.kill('SIGTERM');
    expect(await sup.exited).toBe(0);
    const tool = Bun.spawn(
      [process.execPath, join(import.meta.dir, '../src/stop-runners.ts'), '--config', st.configPath],
      { stdout: 'pipe', stderr: 'pipe' },
    );
    expect(await tool.exited).toBe(0);
    const out = await new Response(tool.stdout).text();
    expect(out).toContain('stopping the runner of b1');
    expect(out).toContain('2 runner(s) stopped');
    expect(pids.some(alive)).toBe(false);
    const left = JSON.parse(readFileSync(join(st.dir, 'data/run/runner-b1.exit'), 'utf8'));
    expect(left).toMatchObject({ pid: pids[0], reason: 'SIGTERM' });
  });

  test('an adopted runner that is killed is BATCH_LOST; one that exits on its own says why', async () => {
    const { st, sup, pids, execs } = await twoRunning();
    await sup.kill('SIGKILL');
    st.supervisor();
    await st.ready();
    process.kill(pids[0]!, 'SIGKILL');
    const lost = await until(() => st.ofBatch('b1', 'error')[0], 'the error event of b1');
    expect(lost.data).toMatchObject({ code: 'BATCH_LOST' });
    const row = await until(() => {
      const e = st.store.getExecution(execs[0]!);
      return e?.status === 'failed' ? e : undefined;
    }, 'the lost execution to be marked');
    expect(row.statusReason).toBe('BATCH_LOST');
    expect(row.error).toContain(`runner of b1 (pid ${pids[0]}) is gone without leaving an exit reason`);
    const b1 = (await st.client.request('supervisor', 'batch.list', {}))[0]!;
    expect({ status: b1.status, code: b1.lastError?.code }).toEqual({ status: 'error', code: 'BATCH_LOST' });

    // b2 exits by itself with code 3: its exit file tells the supervisor, which is not its parent.
    process.kill(pids[1]!, 'SIGTERM');
    const crash = await until(() => st.ofBatch('b2', 'error')[0], 'the error event of b2');
    expect(crash.data).toMatchObject({
      code: 'BATCH_CRASHED',
      details: { exitCode: 0, reason: 'SIGTERM' },
    });
  });

  test('a runner gone while no supervisor watched: its execution is BATCH_LOST and the batch says so', async () => {
    const { st, sup, pids, execs } = await twoRunning();
    await sup.kill('SIGKILL');
    process.kill(pids[0]!, 'SIGKILL');
    await until(() => !alive(pids[0]!), 'the runner to die');
    st.supervisor();
    await st.ready();
    const row = st.store.getExecution(execs[0]!)!;
    expect({ status: row.status, reason: row.statusReason }).toEqual({
      status: 'failed',
      reason: 'BATCH_LOST',
    });
    const list = await st.client.request('supervisor', 'batch.list', {});
    // b1 was auto-started again (a new process), with what happened to the old one on its card.
    expect(list[0]!.lastError?.code).toBe('BATCH_LOST');
    expect(list[1]).toMatchObject({ status: 'running', pid: pids[1] });
    await until(async () => (await statuses(st))[0]!.status === 'running', 'b1 to run again');
    expect((await statuses(st))[0]!.pid).not.toBe(pids[0]);
  });

  test('a pid file naming a reused pid is not adopted, and that process is left alone', async () => {
    station = await new Station([{ id: 'b1', autoStart: true }]).up();
    const st = station;
    const stranger = Bun.spawn(['sleep', '60']);
    try {
      const dataDir = join(st.dir, 'data');
      mkdirSync(join(dataDir, 'run'), { recursive: true });
      // As if the runner had had this pid and died, and the kernel had given the pid to `sleep` since.
      writePidFile(dataDir, { batchId: 'b1', pid: stranger.pid, startTime: '1' });
      st.supervisor();
      await st.ready();
      const b1 = await until(async () => {
        const l = await st.client.request('supervisor', 'batch.list', {});
        return l[0]?.status === 'running' ? l[0] : undefined;
      }, 'b1 to be started afresh');
      expect(b1.pid).not.toBe(stranger.pid);
      expect(alive(stranger.pid)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
    }
  });
});
