/** One run of each benchmark shape, wiring the roles of ours.ts / theirs.cjs together. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Allocation, type GcStats, sumAllocation, sumGc } from './gc.ts';
import { type Impl, type Script, Worker } from './worker.ts';

export type Transport = 'tcp' | 'ipc';
export type Pattern = 'dealer-router' | 'req-rep';

/** The ZMTP security mechanism of a case: NULL, or CURVE with fresh key pairs for both sides. */
export type Mechanism = 'null' | 'curve';

/** Z85 key pairs of a CURVE case: the serving role is the CURVE server, the other one its client. */
export interface CurveKeys {
  server: { publicKey: string; secretKey: string };
  client: { publicKey: string; secretKey: string };
}

/**
 * What a role's config carries for CURVE (nothing for NULL). The server accepts every client key: ours
 * through `authorize`, libzmq because no ZAP handler is installed; the benchmark measures the boxes.
 */
function security(keys: CurveKeys | undefined, side: 'server' | 'client'): Record<string, unknown> {
  if (keys === undefined) return {};
  return side === 'server'
    ? { curve: { side, ...keys.server } }
    : { curve: { side, serverKey: keys.server.publicKey, ...keys.client } };
}

/** Message counts of one run; the defaults keep the whole benchmark within a few minutes. */
export interface Counts {
  roundTrips: number;
  warmup: number;
  /** Round trips of the allocation probe after the measured ones (at least 1: it ends the phase). */
  probe: number;
  /** Messages each subscriber must receive. */
  published: (subscribers: number) => number;
}

export interface Latency {
  p50: number;
  p99: number;
  /** Collections during the measured round trips, summed over the case's processes. */
  gc: GcStats | undefined;
  /** Allocation per round trip, summed over the case's processes (ours only). */
  alloc: Allocation | undefined;
}

const shape = { bodySize: 200, idSize: 16 };
// A healthy run of any case takes a few seconds; this only bounds a hung one.
const timeout = 20_000;

/** Runs `body` with a fresh endpoint factory and kills every worker it started, even on failure. */
async function withWorkers<T>(
  body: (start: typeof Worker.start, endpoint: (name: string) => string) => Promise<T>,
  transport: Transport,
): Promise<T> {
  const workers: Worker[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'zmtp-bench-'));
  const start: typeof Worker.start = (impl, config, pinned) => {
    const worker = Worker.start(impl, config, pinned);
    workers.push(worker);
    return worker;
  };
  const endpoint = (name: string) =>
    transport === 'tcp' ? 'tcp://127.0.0.1:0' : `ipc://${join(dir, `${name}.sock`)}`;
  try {
    return await body(start, endpoint);
  } finally {
    await Promise.all(workers.map((worker) => worker.kill()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The client's percentiles plus the GC and allocation figures of every process of the case: a Bun
 * role's collections come from its GC log (worker.ts), a Node role reports its own; the serving roles
 * report theirs once the client's measured round trips have passed them.
 */
async function latencyOf(client: Worker, servers: readonly Worker[], impl: Script): Promise<Latency> {
  const line = await client.expect('result', timeout);
  const result = line.result as { p50: number; p99: number; gc?: GcStats; alloc?: Allocation | null };
  const settle = 5000;
  // A figure a role failed to report leaves the case's sum undefined ("n/a"), never a smaller number.
  async function field<T>(worker: Worker, key: string): Promise<T | undefined> {
    try {
      return ((await worker.expect(key, settle))[key] ?? undefined) as T | undefined;
    } catch {
      return undefined;
    }
  }
  let gc: (GcStats | undefined)[];
  let alloc: (Allocation | undefined)[] = [];
  if (impl === 'theirs') {
    gc = [result.gc, ...(await Promise.all(servers.map((s) => field<GcStats>(s, 'gc'))))];
  } else {
    gc = await Promise.all([client, ...servers].map((w) => w.gcWithin(settle)));
    alloc = [
      result.alloc ?? undefined,
      ...(await Promise.all(servers.map((s) => field<Allocation>(s, 'alloc')))),
    ];
  }
  return {
    p50: result.p50,
    p99: result.p99,
    gc: sumGc(gc),
    alloc: impl === 'theirs' ? undefined : sumAllocation(alloc),
  };
}

/** What every role of a round-trip case needs to follow the client's phases. */
const phasesOf = (counts: Counts) => ({
  count: counts.roundTrips,
  warmup: counts.warmup,
  probe: counts.probe,
});

/** DEALER -> ROUTER or REQ -> REP round trips between two processes. */
export function roundTrip(
  impl: Impl,
  pattern: Pattern,
  transport: Transport,
  pinned: boolean,
  counts: Counts,
  curve?: CurveKeys,
): Promise<Latency> {
  return withWorkers(async (start, endpoint) => {
    const server = start(
      impl,
      {
        role: 'rtt-server',
        pattern,
        endpoint: endpoint('rtt'),
        ...phasesOf(counts),
        ...security(curve, 'server'),
      },
      pinned,
    );
    const { endpoint: bound } = await server.expect('ready', timeout);
    const client = start(
      impl,
      {
        role: 'rtt-client',
        pattern,
        endpoint: bound,
        ...phasesOf(counts),
        ...shape,
        ...security(curve, 'client'),
      },
      pinned,
    );
    return latencyOf(client, [server], impl);
  }, transport);
}

/** Client DEALER -> broker ROUTER|ROUTER -> worker DEALER and back, three processes. */
export function brokered(
  impl: Impl,
  transport: Transport,
  pinned: boolean,
  counts: Counts,
): Promise<Latency> {
  return withWorkers(async (start, endpoint) => {
    const broker = start(
      impl,
      {
        role: 'broker',
        frontend: endpoint('frontend'),
        backend: endpoint('backend'),
        ...phasesOf(counts),
      },
      pinned,
    );
    const ready = await broker.expect('ready', timeout);
    const worker = start(
      impl,
      { role: 'broker-worker', endpoint: ready.backend, ...phasesOf(counts) },
      pinned,
    );
    await broker.expect('worker', timeout);
    const client = start(
      impl,
      {
        role: 'rtt-client',
        pattern: 'dealer-router',
        endpoint: ready.frontend,
        ...phasesOf(counts),
        ...shape,
      },
      pinned,
    );
    return latencyOf(client, [broker, worker], impl);
  }, transport);
}

/** Plain Bun socket echo of the same 216 bytes: the floor no ZeroMQ implementation can beat. */
export function echoFloor(transport: Transport, pinned: boolean, counts: Counts): Promise<Latency> {
  return withWorkers(async (start, endpoint) => {
    const server = start('floor', { role: 'echo-server', endpoint: endpoint('echo') }, pinned);
    const { endpoint: bound } = await server.expect('ready', timeout);
    const client = start(
      'floor',
      { role: 'echo-client', endpoint: bound, ...phasesOf(counts), ...shape },
      pinned,
    );
    const line = await client.expect('result', timeout);
    const result = line.result as { p50: number; p99: number };
    return { p50: result.p50, p99: result.p99, gc: await client.gcWithin(5000), alloc: undefined };
  }, transport);
}

/** PUB -> N SUB throughput in messages per second per subscriber (the slowest one counts). */
export function fanOut(
  impl: Impl,
  subscribers: number,
  transport: Transport,
  counts: Counts,
  curve?: CurveKeys,
): Promise<number> {
  return withWorkers(async (start, endpoint) => {
    const count = counts.published(subscribers);
    const pub = start(
      impl,
      { role: 'pub', endpoint: endpoint('pub'), count, ...shape, ...security(curve, 'server') },
      false,
    );
    const { endpoint: bound } = await pub.expect('ready', timeout);
    const subs = start(
      impl,
      { role: 'subs', endpoint: bound, subscribers, count, ...security(curve, 'client') },
      false,
    );
    await subs.expect('synced', timeout);
    pub.tell('go');
    const { result } = await subs.expect('result', timeout);
    return (result as { rate: number }).rate;
  }, transport);
}
