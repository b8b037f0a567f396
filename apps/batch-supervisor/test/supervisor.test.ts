// The station-wide behaviour against stand-in runners: restart policy with backoff and give-up, restart of
// one batch leaving the others alone, auto-start, shutdown, and clean-up of an earlier supervisor's runs.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import type { BatchConfig } from '@station/config';
import type { Store } from '@station/db';
import { Gate } from '../src/gate.ts';
import { type Discovery, Supervisor } from '../src/supervisor.ts';
import { batch, EventLog, FakeWorld, fakeDeps, rejection, tempStore, until, WatchedTimers } from './fakes.ts';

let world: FakeWorld;
let timers: WatchedTimers;
let events: EventLog;
let store: Store;
let disposeStore: () => void;
const supervisors: Supervisor[] = [];

beforeEach(() => {
  world = new FakeWorld();
  events = new EventLog();
  timers = new WatchedTimers();
  ({ store, dispose: disposeStore } = tempStore());
});
afterEach(async () => {
  for (const s of supervisors.splice(0)) await s.shutdown();
  disposeStore();
});

function supervisor(batches: BatchConfig[]): Supervisor {
  const s = new Supervisor({ batches, ...fakeDeps(world, events, store, undefined, timers) });
  supervisors.push(s);
  return s;
}

const onFailure = (max: number) => ({
  policy: 'on-failure' as const,
  max_restarts: max,
  window: 60_000,
  backoff_base: 40,
  backoff_cap: 1_000,
});

describe('restart policy', () => {
  test('a crashed batch is restarted after a backoff that doubles, then left in error', async () => {
    // Every runner of b1 registers and crashes 30 ms later.
    world.behave('b1', { registerAfterMs: 1, exitAfterMs: 30, exitCode: 3 });
    const sup = supervisor([batch('b1', { restart: onFailure(2) })]);
    await sup.start('b1');
    await until(
      () => events.errors('b1').some((e) => e.code === 'BATCH_RESTART_GAVE_UP'),
      'the policy to give up',
    );
    const spawns = world.of('b1');
    expect(spawns).toHaveLength(3);
    // Gaps between a crash and the next spawn follow the backoff: 40 ms, then 80 ms.
    expect(events.errors('b1').map((e) => e.code)).toEqual([
      'BATCH_CRASHED',
      'BATCH_CRASHED',
      'BATCH_CRASHED',
      'BATCH_RESTART_GAVE_UP',
    ]);
    expect(events.errors('b1')[3]!.message).toBe(
      'batch b1 keeps failing: gave up after 2 restart(s) within 60000 ms (max_restarts 2); left in error',
    );
    const status = sup.list()[0]!;
    expect(status.status).toBe('error');
    expect(status.lastError?.details).toMatchObject({
      restart: { gaveUp: 'gave up after 2 restart(s) within 60000 ms (max_restarts 2)' },
    });
    expect((await sup.get('b1')).restarts).toBe(2);
    // Repeats (the periodic status while running) collapsed: the transitions themselves.
    expect(events.statuses('b1').filter((x, i, all) => x !== all[i - 1])).toEqual([
      ...['starting', 'running', 'error'],
      ...['starting', 'running', 'error'],
      ...['starting', 'running', 'error'],
    ]);
    // Nothing more happens afterwards, however long one waits: nothing is left scheduled (no loop).
    await nothingScheduled();
    expect(world.of('b1')).toHaveLength(3);
  });

  test('a restart that succeeds leaves the batch running; a stop cancels a pending restart', async () => {
    world.behave('b1', { registerAfterMs: 1, exitAfterMs: 20 }, { registerAfterMs: 1 });
    const sup = supervisor([batch('b1', { restart: onFailure(3) })]);
    await sup.start('b1');
    await until(() => sup.list()[0]!.status === 'running' && world.of('b1').length === 2, 'the restart');
    expect(world.of('b1')[0]!.exitInfo).toEqual({ code: 1, signal: null });

    world.behave('b2', { registerAfterMs: 1, exitAfterMs: 20 });
    const slow = { ...onFailure(3), backoff_base: 10_000 };
    const sup2 = supervisor([batch('b2', { restart: slow })]);
    await sup2.start('b2');
    await until(() => sup2.list()[0]!.status === 'error', 'the crash');
    expect(await sup2.stop('b2')).toEqual({ status: 'idle' });
    expect(world.of('b2')).toHaveLength(1);
  });

  test('policy "never" leaves a crashed batch in error', async () => {
    world.behave('b1', { registerAfterMs: 1, exitAfterMs: 20 });
    const sup = supervisor([batch('b1')]);
    await sup.start('b1');
    await until(() => sup.list()[0]!.status === 'error', 'the crash');
    await nothingScheduled();
    expect(world.of('b1')).toHaveLength(1);
    expect(events.errors('b1').map((e) => e.code)).toEqual(['BATCH_CRASHED']);
  });
});

describe('isolation and restart', () => {
  test('restarting one batch leaves the others running, untouched, still watched, nothing published for them', async () => {
    const sup = supervisor([batch('b1'), batch('b2'), batch('b3')]);
    await Promise.all(['b1', 'b2', 'b3'].map((id) => sup.start(id)));
    const before = ['b2', 'b3'].map((id) => world.live(id)!);
    const old = world.live('b1')!;
    const seen = events.statuses('b2').length;
    const beats = world.statusAnswers.get('b2') ?? 0;
    const reply = await sup.restart('b1');
    const fresh = world.live('b1')!;
    expect(reply).toEqual({ status: 'running', pid: fresh.pid });
    expect(fresh.pid).not.toBe(old.pid);
    expect(old.exitInfo).toEqual({ code: 0, signal: null });
    expect(['b2', 'b3'].map((id) => world.live(id))).toEqual(before);
    for (const p of before) expect(p.signals).toEqual([]);
    await until(() => (world.statusAnswers.get('b2') ?? 0) > beats + 2, 'b2 heartbeats');
    expect(events.statuses('b2').slice(seen)).toEqual([]);
    expect(sup.list().map((s) => s.status)).toEqual(['running', 'running', 'running']);
  });

  test('a crash of one batch does not disturb the others', async () => {
    world.behave('b1', { registerAfterMs: 1, exitAfterMs: 40 });
    const sup = supervisor([batch('b1'), batch('b2')]);
    await Promise.all([sup.start('b1'), sup.start('b2')]);
    await until(() => sup.list()[0]!.status === 'error', 'b1 to crash');
    expect(sup.list()[1]!.status).toBe('running');
    expect(world.live('b2')!.signals).toEqual([]);
    expect(events.statuses('b2').filter((s) => s !== 'running')).toEqual(['starting']);
  });

  test('restart of an idle batch simply starts it', async () => {
    const sup = supervisor([batch('b1')]);
    expect(await sup.restart('b1')).toEqual({ status: 'running', pid: world.live('b1')!.pid });
  });
});

describe('start concurrency', () => {
  test('starts beyond the limit wait their turn (shown as starting); a stop while waiting spawns nothing', async () => {
    for (const id of ['b1', 'b2', 'b3']) world.behave(id, { registerAfterMs: 40 });
    let b1RegisteredWhenB2Spawned: boolean | undefined;
    const spawn = world.spawn;
    world.spawn = (b) => {
      if (b.id === 'b2') b1RegisteredWhenB2Spawned = world.of('b1')[0]?.registered;
      return spawn(b);
    };
    const s = new Supervisor({
      batches: ['b1', 'b2', 'b3'].map((id) => batch(id)),
      ...fakeDeps(world, events, store),
      startGate: new Gate(1),
    });
    supervisors.push(s);
    const one = s.start('b1');
    const two = s.start('b2');
    const three = rejection(s.start('b3'));
    await until(() => world.spawned.length === 1, 'the first spawn');
    expect(s.list().map((b) => b.status)).toEqual(['starting', 'starting', 'starting']);
    expect(world.spawned.map((p) => p.batchId)).toEqual(['b1']);
    expect(await s.stop('b3')).toEqual({ status: 'idle' });
    await Promise.all([one, two]);
    expect(world.spawned.map((p) => p.batchId)).toEqual(['b1', 'b2']);
    expect(b1RegisteredWhenB2Spawned).toBe(true);
    expect((await three).code).toBe('START_CANCELLED');
    expect(s.list().map((b) => b.status)).toEqual(['running', 'running', 'idle']);
  });

  test('the gate serves waiters in order and never exceeds its limit', async () => {
    const gate = new Gate(2);
    const order: number[] = [];
    let inside = 0;
    let most = 0;
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (i) => {
        const release = await gate.acquire();
        order.push(i);
        inside++;
        most = Math.max(most, inside);
        await new Promise((resolve) => setImmediate(resolve)); // the others run meanwhile
        inside--;
        release();
        release(); // a second call is harmless
      }),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(gate.load).toEqual({ held: 0, waiting: 0 });
  });
});

describe('auto-start, shutdown, recovery', () => {
  test('auto_start batches start with the supervisor, the others stay idle', async () => {
    const sup = supervisor([
      batch('b1', { auto_start: true }),
      batch('b2'),
      batch('b3', { auto_start: true }),
    ]);
    const started = await sup.autoStart();
    expect(started.map((s) => [s.id, s.status])).toEqual([
      ['b1', 'running'],
      ['b3', 'running'],
    ]);
    expect(sup.list().map((s) => s.status)).toEqual(['running', 'idle', 'running']);
    expect(world.of('b2')).toEqual([]);
  });

  test('an auto-start that fails goes through the restart policy', async () => {
    world.behave('b1', { exitAfterMs: 5 }, { registerAfterMs: 1 });
    const sup = supervisor([batch('b1', { auto_start: true, restart: onFailure(1) })]);
    await sup.autoStart();
    await until(() => sup.list()[0]!.status === 'running', 'the retried auto-start');
    expect(world.of('b1')).toHaveLength(2);
  });

  test('shutdown refuses new starts, cancels pending restarts and stops every runner', async () => {
    world.behave('b3', { registerAfterMs: 1, exitAfterMs: 20 });
    const slow = { ...onFailure(3), backoff_base: 50 };
    const sup = supervisor([batch('b1'), batch('b2'), batch('b3', { restart: slow })]);
    await Promise.all(['b1', 'b2', 'b3'].map((id) => sup.start(id)));
    const b1 = inFlight('b1');
    await until(() => sup.list()[2]!.status === 'error', 'b3 to crash');
    const closing = sup.shutdown();
    expect(await rejection(sup.start('b1'))).toEqual({
      code: 'SHUTTING_DOWN',
      message: 'the supervisor is shutting down',
      details: undefined,
    });
    await closing;
    expect(sup.list().map((s) => s.status)).toEqual(['idle', 'idle', 'error']);
    expect(world.spawned.filter((p) => !p.exitInfo)).toEqual([]);
    await nothingScheduled(); // b3's restart was disarmed: it can never come back
    expect(world.of('b3')).toHaveLength(1);
    expect(store.getExecution(b1)!.status).toBe('stopped');
  });

  test("recover() marks only this station's batches' executions left running, as failed", async () => {
    const sup = supervisor([batch('b1'), batch('b2')]);
    const a = inFlight('b1');
    const b = inFlight('b2');
    const other = inFlight('elsewhere');
    expect(sup.recover()).toEqual({ executions: [a, b], adoptable: [] });
    const reason = 'INTERRUPTED: supervisor lost (the batch supervisor stopped while this execution ran)';
    expect(
      [a, b, other].map((id) => [store.getExecution(id)!.status, store.getExecution(id)!.error]),
    ).toEqual([
      ['failed', reason],
      ['failed', reason],
      ['running', null],
    ]);
    expect(sup.recover()).toEqual({ executions: [], adoptable: [] });
  });
});

/** Waits until the supervisor has no timer armed: from then on nothing happens unless someone asks. */
function nothingScheduled(): Promise<boolean> {
  return until(() => timers.armed === 0, 'the supervisor to have nothing scheduled');
}

describe('what an earlier supervisor left', () => {
  const id = (batchId: string, pid: number) => ({ batchId, pid, startTime: '4242' });
  const exit = (batchId: string, pid: number, reason: string, code: number) => ({
    ...id(batchId, pid),
    reason,
    code,
    at: '2026-12-02T08:00:00.000Z',
  });

  test('runs of runners that ended unwatched are marked by how they ended; a live runner is kept for adoption', () => {
    const runs = {
      lost: inFlight('lost'),
      crashed: inFlight('crashed'),
      quit: inFlight('quit'),
      alive: inFlight('alive'),
    };
    const found: Record<string, Discovery> = {
      lost: { running: [], ended: { id: id('lost', 11) } },
      crashed: { running: [], ended: { id: id('crashed', 12), exit: exit('crashed', 12, 'EXIT', 3) } },
      quit: { running: [], ended: { id: id('quit', 13), exit: exit('quit', 13, 'ORPHANED', 0) } },
      alive: { running: [id('alive', 14)] },
    };
    const gone: string[] = [];
    const sup = new Supervisor({
      batches: ['lost', 'crashed', 'quit', 'alive'].map((b) => batch(b)),
      ...fakeDeps(world, events, store, undefined, timers),
      discover: (batchId) => found[batchId] ?? { running: [] },
      adopt: () => {
        throw new Error('not adopted by recover()');
      },
      runnerGone: (batchId) => gone.push(batchId),
    });
    supervisors.push(sup);
    expect(sup.recover()).toEqual({
      executions: [runs.lost, runs.crashed, runs.quit],
      adoptable: ['alive'],
    });
    const row = (run: string) => {
      const e = store.getExecution(run)!;
      return [e.status, e.statusReason];
    };
    expect([row(runs.lost), row(runs.crashed), row(runs.quit), row(runs.alive)]).toEqual([
      ['failed', 'BATCH_LOST'],
      ['failed', 'BATCH_CRASHED'],
      ['failed', 'INTERRUPTED'],
      ['running', null],
    ]);
    expect(store.getExecution(runs.crashed)!.error).toBe(
      'runner of crashed (pid 12) exited with code 3 (EXIT) while no supervisor watched it',
    );
    // The operator sees what happened to a lost or crashed runner; a clean end needs no word.
    const errors = Object.fromEntries(sup.list().map((b) => [b.id, b.lastError?.code]));
    expect(errors).toEqual({
      lost: 'BATCH_LOST',
      crashed: 'BATCH_CRASHED',
      quit: undefined,
      alive: undefined,
    });
    expect(gone).toEqual(['lost', 'crashed', 'quit']);
  });
});

function inFlight(batchId: string): string {
  return store.createExecution({
    batchId,
    sequenceName: 'psu_functional',
    sequenceVersion: '1.0.0',
    packageHash: 'h',
  }).id;
}
