// Real-process test furniture: a temp station (broker fixture, station.yaml, store), the supervisor's real
// main.ts with runner-fixture.ts as its runner, a bus client and an event recorder; everything reaped.
import { afterEach } from 'bun:test';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusClient, BusError, Publisher, Subscriber } from '@station/bus';
import { openStore, type Store } from '@station/db';
import type { StationEvent } from '@station/model';
import { type FixtureProcess, spawnFixture, until } from '../../../tests/support/process.ts';
import type { Timings } from '../src/types.ts';
import type { Behaviour } from './runner-fixture.ts';

const BROKER = join(import.meta.dir, '../../../packages/bus/test/broker-fixture.ts');
const SUPERVISOR = join(import.meta.dir, '../src/main.ts');
const RUNNER = join(import.meta.dir, 'runner-fixture.ts');

/** The sequence packages beside these tests (`unruly`, `soak`, `env_probe`), for the real runner. */
export const TEST_PACKAGES = join(import.meta.dir, 'packages');
/** The simulated power supply the test packages drive. */
export const SIM_PSU = 'hardware: { psu: { driver: sim_psu } }';

/** Timings for real processes on a loaded 2-core machine: short, with room for a slow spawn. */
export const TEST_TIMINGS: Partial<Timings> = {
  startTimeoutMs: 8_000,
  heartbeatMs: 200,
  heartbeatTimeoutMs: 400,
  heartbeatMisses: 3,
  shutdownGraceMs: 1_500,
  termGraceMs: 1_000,
};

export interface BatchSpec {
  id: string;
  autoStart?: boolean;
  restart?: string;
  /** Sequence package (default `fixture`, which only the stand-in runner accepts). */
  sequencePackage?: string;
  /** More YAML lines of the batch, e.g. `hardware: { psu: { driver: sim_psu } }`. */
  yaml?: string;
}

export interface StationOptions {
  /** sequences_dir; default a folder with an empty folder per package (enough for the stand-in runner). */
  sequencesDir?: string;
  /** More top-level YAML (e.g. a `backend:` section). */
  yaml?: string;
  /** More `runner_env` entries, as YAML values (`${VAR}` allowed). */
  runnerEnv?: Record<string, string>;
}

/** Whether a pid is a live process (a zombie waiting to be reaped counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The full command line of a pid, as `ps` shows it. */
export function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
}

/**
 * The station of each test of a file, disposed after it even when it failed: the function returned makes
 * it (as `new Station`) and brings it up.
 */
export function stationPerTest(): (batches: BatchSpec[], opts?: StationOptions) => Promise<Station> {
  let current: Station | undefined;
  afterEach(async () => {
    await current?.dispose();
    current = undefined;
  });
  return (batches, opts) => {
    current = new Station(batches, opts);
    return current.up();
  };
}

/** One test's station. `dispose()` kills everything it started and removes the folder. */
export class Station {
  readonly dir = mkdtempSync(join(tmpdir(), 'sup-'));
  readonly configPath = join(this.dir, 'station.yaml');
  readonly endpoints = {
    serviceBus: `ipc://${this.dir}/bus.sock`,
    eventIn: `ipc://${this.dir}/in.sock`,
    eventOut: `ipc://${this.dir}/out.sock`,
  };
  readonly events: StationEvent[] = [];
  /** When each of `events` arrived (performance.now()), index for index. */
  readonly arrivals: number[] = [];
  readonly #procs: FixtureProcess[] = [];
  #client: BusClient | undefined;
  #subscriber: Subscriber | undefined;
  #store: Store | undefined;

  constructor(batches: BatchSpec[], opts: StationOptions = {}) {
    mkdirSync(join(this.dir, 'sequences'));
    mkdirSync(join(this.dir, 'behaviour'));
    const sequences = opts.sequencesDir ?? join(this.dir, 'sequences');
    // The supervisor refuses a batch naming a package that is not there: give each one its folder. An
    // empty folder is enough for the stand-in runner (a real runner would report it invalid).
    if (opts.sequencesDir === undefined)
      for (const b of batches)
        mkdirSync(join(sequences, b.sequencePackage ?? 'fixture'), { recursive: true });
    const yaml = [
      'station:\n  id: test_station',
      `paths:\n  data_dir: ${this.dir}/data\n  sequences_dir: ${sequences}`,
      `ipc:\n  service_bus: ${this.endpoints.serviceBus}\n  event_pub: ${this.endpoints.eventIn}\n  event_sub: ${this.endpoints.eventOut}`,
      'logging:\n  level: warn',
      // The stand-in runner reads its behaviour from here; runners get nothing they are not given.
      `runner_env:\n  RUNNER_FIXTURE_DIR: ${join(this.dir, 'behaviour')}`,
      ...Object.entries(opts.runnerEnv ?? {}).map(([k, v]) => `  ${k}: ${v}`),
      ...(opts.yaml ? [opts.yaml] : []),
      'batches:',
      ...batches.map(
        (b) =>
          `  - id: ${b.id}\n    sequence_package: ${b.sequencePackage ?? 'fixture'}\n    auto_start: ${b.autoStart ?? false}\n    restart: ${b.restart ?? '{ policy: never }'}${b.yaml ? `\n    ${b.yaml}` : ''}`,
      ),
    ].join('\n');
    writeFileSync(this.configPath, `${yaml}\n`);
  }

  /** Starts the broker and the event recorder. */
  async up(): Promise<this> {
    const broker = this.#track(
      spawnFixture(BROKER, [
        this.endpoints.serviceBus,
        this.endpoints.eventIn,
        this.endpoints.eventOut,
        '200',
      ]),
    );
    await broker.waitFor(/^READY /);
    this.#subscriber = new Subscriber({ endpoint: this.endpoints.eventOut, prefixes: ['batch.'] });
    void (async () => {
      for await (const { event } of this.#subscriber!) {
        this.events.push(event);
        this.arrivals.push(performance.now());
      }
    })();
    // A subscription reaches the broker asynchronously: publish probes until one comes back.
    const probe = new Publisher({ endpoint: this.endpoints.eventIn });
    const ping = {
      type: 'log',
      batch_id: '_probe',
      data: { level: 'info', message: '', timestamp: '' },
    } as const;
    try {
      await until(
        async () => {
          await probe.publish(ping);
          return this.events.length > 0;
        },
        'the event subscription',
        5_000,
        20,
      );
    } finally {
      probe.close();
    }
    this.events.length = 0;
    this.arrivals.length = 0;
    return this;
  }

  /** Starts the real supervisor process, with the stand-in runner unless `realRunner`. */
  supervisor(
    timings: Partial<Timings> = TEST_TIMINGS,
    realRunner = false,
    env: Record<string, string> = {},
  ): FixtureProcess {
    const runner = realRunner ? [] : ['--runner-main', RUNNER];
    return this.#track(
      spawnFixture(
        SUPERVISOR,
        [
          '--config',
          this.configPath,
          ...runner,
          '--timings',
          JSON.stringify({ ...TEST_TIMINGS, ...timings }),
        ],
        env,
      ),
    );
  }

  /** Starts the supervisor with the real runner and waits until it answers on the bus. */
  async realSupervisor(timings: Partial<Timings> = {}): Promise<FixtureProcess> {
    const sup = this.supervisor(timings, true);
    await this.ready();
    return sup;
  }

  /** Sets what the next runner of `batchId` does. */
  behave(batchId: string, behaviour: Behaviour): void {
    writeFileSync(join(this.dir, 'behaviour', `${batchId}.json`), JSON.stringify(behaviour));
  }

  get client(): BusClient {
    this.#client ??= new BusClient({ endpoint: this.endpoints.serviceBus, timeoutMs: 15_000 });
    return this.#client;
  }

  get store(): Store {
    this.#store ??= openStore(join(this.dir, 'data', 'station.db'));
    return this.#store;
  }

  /** Waits until the supervisor answers on the bus. */
  async ready(): Promise<void> {
    await until(
      () => this.client.request('supervisor', 'health', {}, { timeoutMs: 1_000 }),
      'the supervisor',
    );
  }

  /** Live processes whose command line names this station's config (its runners, whoever spawned them). */
  runnerPids(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      try {
        const cmd = commandLine(pid);
        if (cmd.includes(this.configPath) && cmd.includes('--batch') && alive(pid)) pids.push(pid);
      } catch {
        // Gone while we looked.
      }
    }
    return pids;
  }

  /** The typed error of a failed request. */
  async failure(p: Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
    try {
      await p;
    } catch (err) {
      if (err instanceof BusError) return { code: err.code, message: err.message, details: err.details };
      throw err;
    }
    throw new Error('expected the request to fail');
  }

  ofBatch(batchId: string, type?: string): StationEvent[] {
    return this.events.filter((e) => 'batch_id' in e && e.batch_id === batchId && (!type || e.type === type));
  }

  /** The longest silence between two consecutive events of a batch of one type (ms). */
  longestGap(batchId: string, type: string): number {
    const times = this.arrivals.filter((_, i) => {
      const e = this.events[i]!;
      return 'batch_id' in e && e.batch_id === batchId && e.type === type;
    });
    return Math.max(0, ...times.slice(1).map((t, i) => t - times[i]!));
  }

  async dispose(): Promise<void> {
    this.#client?.close();
    this.#subscriber?.close();
    for (const p of this.#procs.reverse()) await p.kill('SIGKILL');
    for (const pid of this.runnerPids()) process.kill(pid, 'SIGKILL');
    this.#store?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #track(p: FixtureProcess): FixtureProcess {
    this.#procs.push(p);
    return p;
  }
}
