// The supervisor drives a batch placed on another machine through that machine's batch host exactly as a
// local one: start, stop (the shutdown request, then signals the host sends), a crash, a supervisor
// restart that adopts the runner. The host here is the real HostRunners; between the two the HostLink
// calls it directly instead of over the bus, and can go silent like a cut link. Runner processes and
// their bus answers are the supervisor tests' stand-ins (FakeWorld).
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import type { BatchConfig } from '@station/config';
import type { Store } from '@station/db';
import type { HostRunner } from '@station/model';
import type { RunnerIdentity } from '@station/service/runner-files';
import { systemTimers } from '@station/time';
import { HostRunners } from '../apps/batch-host/src/runners.ts';
import { hostAwareLink } from '../apps/batch-supervisor/src/bus-link.ts';
import { hostDiscovery } from '../apps/batch-supervisor/src/remote-batches.ts';
import { type HostLink, remoteBatches } from '../apps/batch-supervisor/src/remote-runner.ts';
import { type Discovery, Supervisor } from '../apps/batch-supervisor/src/supervisor.ts';
import type { BatchDeps, RunnerLink } from '../apps/batch-supervisor/src/types.ts';
import {
  batch,
  EventLog,
  FakeWorld,
  fakeDeps,
  silentLogger,
  tempStore,
  until,
} from '../apps/batch-supervisor/test/fakes.ts';

const REMOTE = batch('remote_1', { host: 'rack-2' });

/** The batch host as the supervisor reaches it; `silent` is a cut link, `pending` its spool. */
class TestHost implements HostLink {
  silent = false;
  pending = 0;
  readonly crashes: string[] = [];
  readonly runners: HostRunners;

  constructor(
    readonly world: FakeWorld,
    batches: BatchConfig[] = [REMOTE],
  ) {
    this.runners = new HostRunners({
      batches,
      spawn: (b) => {
        const p = world.spawn(b);
        if (p instanceof Promise) throw new Error('the fake world spawns at once');
        return p;
      },
      adopt: () => {
        throw new Error('no earlier host process in these tests');
      },
      find: () => ({}),
      pending: () => this.pending,
      onCrash: (batchId) => this.crashes.push(batchId),
      clearFiles: () => {},
      logger: silentLogger,
    });
  }

  async #reach(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.silent) throw new Error('TIMEOUT: host.rack-2 did not answer');
  }
  async start(_host: string, batchId: string) {
    await this.#reach();
    return this.runners.start(batchId);
  }
  async list(): Promise<HostRunner[] | undefined> {
    return this.#reach().then(
      () => this.runners.list(),
      () => undefined,
    );
  }
  async signal(_host: string, id: RunnerIdentity, signal: 'SIGTERM' | 'SIGKILL') {
    await this.#reach();
    this.runners.signal(id, signal);
  }
  async forget(_host: string, id: RunnerIdentity) {
    await this.#reach();
    this.runners.forget(id);
  }
  async answers(): Promise<boolean> {
    return this.#reach().then(
      () => true,
      () => false,
    );
  }
}

let world: FakeWorld;
let events: EventLog;
let store: Store;
let dispose: () => void;
const supervisors: Supervisor[] = [];

beforeEach(() => {
  world = new FakeWorld();
  events = new EventLog();
  ({ store, dispose } = tempStore());
});
afterEach(async () => {
  for (const s of supervisors.splice(0)) await s.shutdown();
  dispose();
});

/** The supervisor as service.ts wires it for a remote batch, on the test host. */
function supervisor(
  host: TestHost,
  over: Partial<BatchDeps> = {},
  discover?: (batchId: string) => Discovery,
) {
  const remote = remoteBatches([REMOTE], { link: host, timers: systemTimers, pollMs: 5 });
  const sup = new Supervisor({
    ...fakeDeps(world, events, store),
    batches: [REMOTE],
    spawn: (b) => remote.spawn('rack-2', b.id),
    adopt: (id) => remote.adopt('rack-2', id),
    runnerGone: (id) => remote.gone('rack-2', id),
    link: hostAwareLink(world, (id) => (id === REMOTE.id ? 'rack-2' : undefined), host),
    ...(discover ? { discover } : {}),
    ...over,
  });
  supervisors.push(sup);
  return sup;
}

describe('a batch on a batch host', () => {
  test('starts through the host and stops with the shutdown request; the host forgets it after', async () => {
    const host = new TestHost(world);
    const sup = supervisor(host);
    const reply = await sup.start('remote_1');
    const proc = world.of('remote_1')[0]!;
    expect(reply).toEqual({ status: 'running', pid: proc.pid });
    expect(host.runners.list().map((r) => [r.batchId, r.pid, r.exit])).toEqual([
      ['remote_1', proc.pid, undefined],
    ]);
    expect(await sup.stop('remote_1')).toEqual({ status: 'idle' });
    expect(events.statuses('remote_1')).toEqual(['starting', 'running', 'stopping', 'idle']);
    expect(proc.signals).toEqual([]);
    await until(() => host.runners.list().length === 0, 'the host to forget the ended runner');
  });

  test('a runner that ignores the shutdown gets SIGTERM and SIGKILL through its host', async () => {
    const host = new TestHost(world);
    world.behave('remote_1', { registerAfterMs: 1, obeysShutdown: false, obeysTerm: false });
    const sup = supervisor(host);
    await sup.start('remote_1');
    expect(await sup.stop('remote_1')).toEqual({ status: 'idle' });
    expect(world.of('remote_1')[0]!.signals).toEqual(['SIGTERM', 'SIGKILL']);
  });

  test('a crash is reported once the spool is delivered, and ends the station copy of the run', async () => {
    const host = new TestHost(world);
    const sup = supervisor(host);
    await sup.start('remote_1');
    const exec = store.createExecution({
      batchId: 'remote_1',
      sequenceName: 'long_run',
      sequenceVersion: '1.0.0',
      packageHash: 'h',
      steps: ['a', 'b'],
    });
    host.pending = 3;
    world.live('remote_1')!.exit({ code: null, signal: 'SIGKILL' });
    await until(() => host.crashes.length === 1, 'the host to see the crash');
    // Writes of the run are still on their way: the supervisor is not told yet, the run is untouched.
    await until(
      () => world.statusAsks > 0 && host.runners.list()[0]?.exit === undefined,
      'the end held back',
    );
    expect(sup.list()[0]?.status).toBe('running');
    expect(store.getExecution(exec.id)?.status).toBe('running');
    host.pending = 0;
    await until(() => sup.list()[0]?.status === 'error', 'the crash reported');
    expect(events.errors('remote_1').map((e) => e.code)).toEqual(['BATCH_CRASHED']);
    expect(store.getExecution(exec.id)).toMatchObject({ status: 'failed', statusReason: 'BATCH_CRASHED' });
  });

  test('while the host is silent (a cut link) nothing is concluded and no heartbeat counts as missed', async () => {
    const host = new TestHost(world);
    const sup = supervisor(host);
    await sup.start('remote_1');
    const proc = world.live('remote_1')!;
    host.silent = true;
    // The runner is out of reach too; well past heartbeatMisses periods nothing happens to it.
    proc.behaviour.hung = true;
    const asks = world.statusAsks;
    await until(() => world.statusAsks > asks + 10, 'ten heartbeats into the cut');
    expect(sup.list()[0]?.status).toBe('running');
    expect(proc.signals).toEqual([]);
    host.silent = false;
    proc.behaviour.hung = false;
    expect(await sup.stop('remote_1')).toEqual({ status: 'idle' });
  });

  test('a second start after a supervisor restart finds the runner the host still runs', async () => {
    const host = new TestHost(world);
    await supervisor(host).start('remote_1');
    const first = world.of('remote_1')[0]!;
    supervisors.pop()?.leave();
    // The next supervisor asks the host what is left, and adopts it (same process, no new spawn).
    const discover = await hostDiscovery([REMOTE], host);
    expect(discover('remote_1')).toEqual({
      running: [{ batchId: 'remote_1', pid: first.pid, startTime: '' }],
    });
    const withStartTime: RunnerLink = {
      status: (id) => world.status(id),
      shutdown: (id) => world.shutdown(id),
      health: async (id: string) => {
        const h = await world.health(id);
        return h.ok ? { ...h, value: { ...h.value, startTime: '' } } : h;
      },
    };
    const next = supervisor(host, { link: hostAwareLink(withStartTime, () => 'rack-2', host) }, discover);
    next.recover();
    await next.adoptRunners();
    expect(next.list()[0]).toMatchObject({ status: 'running', pid: first.pid });
    expect(world.of('remote_1')).toHaveLength(1);
  });

  test('the host refuses to start a batch that is not placed on it', () => {
    const host = new TestHost(world);
    expect(() => host.runners.start('batch_9')).toThrow('batch batch_9 is not placed on this host');
  });

  test('a host that does not answer at supervisor start leaves the batch and its runs alone', async () => {
    const host = new TestHost(world);
    host.silent = true;
    const exec = store.createExecution({
      batchId: 'remote_1',
      sequenceName: 's',
      sequenceVersion: '1.0.0',
      packageHash: 'h',
    });
    const discover = await hostDiscovery([REMOTE], host, 50);
    const sup = supervisor(host, {}, discover);
    expect(sup.recover()).toEqual({ executions: [], adoptable: [] });
    expect(store.getExecution(exec.id)?.status).toBe('running');
  });
});
