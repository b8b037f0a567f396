// Hand-made stand-ins for the supervisor's collaborators: runner processes whose exit the test decides, a
// bus link answering for them, an event recorder, plus a real store on a temp file and test batch configs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@station/bus';
import type { BatchConfig } from '@station/config';
import { openStore, type Store } from '@station/db';
import type { RunnerStatus, StationEvent } from '@station/model';
import { systemTimers, type Timer, type Timers } from '@station/time';
import { until as pollUntil } from '../../../tests/support/process.ts';
import { Gate } from '../src/gate.ts';
import type { RestartConfig } from '../src/restart-policy.ts';
import type {
  BatchDeps,
  EventSink,
  ExitInfo,
  LinkResult,
  RunnerLink,
  RunnerProcess,
  Timings,
} from '../src/types.ts';

/** How a fake runner behaves. */
export interface FakeBehaviour {
  /** Registers on the (fake) bus this many ms after spawn; undefined = never. */
  registerAfterMs?: number;
  /**
   * Exits by itself with `exitCode`: this long after the supervisor has taken it as running (its first
   * status answered) when it registers, else this long after spawn. Counting from an event, not from the
   * spawn, keeps "crashes while running" from turning into "died before registering" when a loaded
   * machine delays the supervisor's first poll.
   */
  exitAfterMs?: number;
  exitCode?: number;
  /** Answers `shutdown` and exits 0 (default true). */
  obeysShutdown?: boolean;
  /** Exits on SIGTERM (default true). */
  obeysTerm?: boolean;
  /** Stops answering requests (a hung event loop). */
  hung?: boolean;
  stderr?: string[];
  status?: Partial<RunnerStatus>;
}

let nextPid = 40_000;

/** A runner process that exists only in the test. */
export class FakeProcess implements RunnerProcess {
  readonly pid = nextPid++;
  readonly signals: string[] = [];
  readonly exited: Promise<ExitInfo>;
  registered = false;
  exitInfo: ExitInfo | undefined;
  #resolve!: (e: ExitInfo) => void;

  constructor(
    readonly batchId: string,
    readonly behaviour: FakeBehaviour,
  ) {
    this.exited = new Promise((r) => {
      this.#resolve = r;
    });
    if (behaviour.registerAfterMs !== undefined) {
      setTimeout(() => {
        if (!this.exitInfo) this.registered = true;
      }, behaviour.registerAfterMs);
    }
    if (behaviour.exitAfterMs !== undefined && behaviour.registerAfterMs === undefined) this.#exitLater();
  }

  #seenRunning = false;

  /** The supervisor got its first status answer: from now on it treats this runner as running. */
  seenRunning(): void {
    if (this.#seenRunning) return;
    this.#seenRunning = true;
    if (this.behaviour.exitAfterMs !== undefined) this.#exitLater();
  }

  #exitLater(): void {
    const code = this.behaviour.exitCode ?? 1;
    setTimeout(() => this.exit({ code, signal: null }), this.behaviour.exitAfterMs);
  }

  exit(info: ExitInfo): void {
    if (this.exitInfo) return;
    this.exitInfo = info;
    this.registered = false;
    this.#resolve(info);
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.exitInfo) return;
    this.signals.push(signal);
    if (signal === 'SIGKILL' || this.behaviour.obeysTerm !== false) {
      setTimeout(() => this.exit({ code: null, signal }), 1);
    }
  }

  stderrTail(): string[] {
    return [...(this.behaviour.stderr ?? [])];
  }
}

/** Spawns FakeProcesses; `behave` decides each batch's next behaviour. */
export class FakeWorld implements RunnerLink {
  readonly spawned: FakeProcess[] = [];
  readonly behaviours = new Map<string, FakeBehaviour[]>();
  brokerDown = false;
  spawnError: Error | undefined;
  /** `status` requests the supervisor has made (its heartbeats), answered or not. */
  statusAsks = 0;
  /** `status` answers given (heartbeats), per batch. */
  readonly statusAnswers = new Map<string, number>();

  /** Queues behaviours for the next spawns of a batch; the last one repeats. */
  behave(batchId: string, ...b: FakeBehaviour[]): void {
    this.behaviours.set(batchId, b);
  }

  spawn = (batch: BatchConfig): RunnerProcess => {
    if (this.spawnError) throw this.spawnError;
    const queue = this.behaviours.get(batch.id) ?? [];
    const b = (queue.length > 1 ? queue.shift() : queue[0]) ?? { registerAfterMs: 5 };
    const p = new FakeProcess(batch.id, b);
    this.spawned.push(p);
    return p;
  };

  of(batchId: string): FakeProcess[] {
    return this.spawned.filter((p) => p.batchId === batchId);
  }

  live(batchId: string): FakeProcess | undefined {
    return this.of(batchId).find((p) => !p.exitInfo);
  }

  async #answer<T>(batchId: string, value: (p: FakeProcess) => T): Promise<LinkResult<T>> {
    await new Promise((resolve) => setImmediate(resolve)); // answered later, as over a real link
    if (this.brokerDown) return { ok: false, brokerDown: true, message: 'broker not reachable' };
    const p = this.of(batchId).find((x) => x.registered && !x.exitInfo);
    if (!p) return { ok: false, brokerDown: false, message: `SERVICE_UNAVAILABLE: no runner.${batchId}` };
    if (p.behaviour.hung) return { ok: false, brokerDown: false, message: 'TIMEOUT: no reply' };
    return { ok: true, value: value(p) };
  }

  health(batchId: string) {
    return this.#answer(batchId, (p) => ({ service: `runner.${batchId}`, pid: p.pid, uptime: 1 }));
  }

  status(batchId: string) {
    this.statusAsks++;
    return this.#answer(batchId, (p): RunnerStatus => {
      p.seenRunning();
      this.statusAnswers.set(batchId, (this.statusAnswers.get(batchId) ?? 0) + 1);
      return {
        batchId,
        pid: p.pid,
        state: 'ready',
        manualCommands: [],
        manualBusy: false,
        ...p.behaviour.status,
      };
    });
  }

  shutdown(batchId: string) {
    return this.#answer(batchId, (p) => {
      if (p.behaviour.obeysShutdown === false) return { status: 'ignored' };
      setTimeout(() => p.exit({ code: 0, signal: null }), 2);
      return { status: 'stopping' };
    });
  }
}

/** Records every published event. */
export class EventLog implements EventSink {
  readonly events: StationEvent[] = [];
  publish(event: StationEvent): void {
    this.events.push(event);
  }
  /** The `status` of every batch_process event of a batch, in order. */
  statuses(batchId: string): string[] {
    return this.events.flatMap((e) =>
      e.type === 'batch_process' && e.batch_id === batchId ? [e.data.status] : [],
    );
  }
  errors(batchId: string) {
    return this.events.flatMap((e) => (e.type === 'error' && e.batch_id === batchId ? [e.data] : []));
  }
}

/** The bus's logger that writes nothing, for the tests that take it from here. */
export { silentLogger };

/** Timings small enough for tests, large enough for a loaded 2-core machine. */
export const FAST: Timings = {
  startTimeoutMs: 300,
  registerPollMs: 2,
  heartbeatMs: 20,
  heartbeatTimeoutMs: 20,
  heartbeatMisses: 3,
  shutdownGraceMs: 60,
  termGraceMs: 60,
  memorySampleMs: 10,
};

export const NO_RESTART: RestartConfig = {
  policy: 'never',
  max_restarts: 0,
  window: 60_000,
  backoff_base: 10,
  backoff_cap: 100,
};

/** A batch of station.yaml as loaded. */
export function batch(id: string, over: Partial<BatchConfig> = {}): BatchConfig {
  return {
    id,
    name: `Slot ${id}`,
    sequence_package: 'psu_functional',
    hardware: {},
    auto_start: false,
    parameters: {},
    restart: NO_RESTART,
    limits: {},
    env: {},
    ...over,
  };
}

/** A fresh store file in a temp folder. */
export function tempStore(): { store: Store; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'supervisor-test-'));
  const store = openStore(join(dir, 'station.db'));
  return {
    store,
    dispose() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The real timers, counting the one-shot ones armed and not yet fired or cancelled. When none is left the
 * supervisor has nothing scheduled (no restart, heartbeat, poll or grace): nothing more can happen by
 * itself, which a test can wait for instead of sleeping and hoping.
 */
export class WatchedTimers implements Timers {
  armed = 0;

  now(): number {
    return systemTimers.now();
  }

  after(ms: number, fn: () => void): Timer {
    let live = true;
    const done = () => {
      if (live) this.armed--;
      live = false;
    };
    this.armed++;
    const timer = systemTimers.after(ms, () => {
      done();
      fn();
    });
    return {
      cancel: () => {
        done();
        timer.cancel();
      },
    };
  }

  every(ms: number, fn: () => void): Timer {
    return systemTimers.every(ms, fn);
  }
}

/** Everything a controller needs, faked except the store. */
export function fakeDeps(
  world: FakeWorld,
  events: EventLog,
  store: Store,
  timings = FAST,
  clock: Timers = systemTimers,
): BatchDeps {
  return {
    spawn: world.spawn,
    startGate: new Gate(4),
    link: world,
    events,
    store,
    clock,
    timings,
    logger: silentLogger,
  };
}

/** The shared `until`, polling every 2 ms: these fakes change state within milliseconds. */
export function until<T>(fn: () => T | undefined | null | false, what: string, ms = 5_000): Promise<T> {
  return pollUntil(fn, what, ms, 2);
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; details: unknown }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; message: string; details: unknown };
    return { code: e.code, message: e.message, details: e.details };
  }
  throw new Error('expected a rejection');
}
