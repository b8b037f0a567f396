/** One run of each benchmark shape, wiring the roles of ours.ts / theirs.cjs together. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Impl, Worker } from './worker.ts';

export type Transport = 'tcp' | 'ipc';
export type Pattern = 'dealer-router' | 'req-rep';

/** Message counts of one run; the defaults keep the whole benchmark within a few minutes. */
export interface Counts {
  roundTrips: number;
  warmup: number;
  /** Messages each subscriber must receive. */
  published: (subscribers: number) => number;
}

export interface Latency {
  p50: number;
  p99: number;
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

function latencyOf(line: Record<string, unknown>): Latency {
  const result = line.result as Latency;
  return { p50: result.p50, p99: result.p99 };
}

/** DEALER -> ROUTER or REQ -> REP round trips between two processes. */
export function roundTrip(
  impl: Impl,
  pattern: Pattern,
  transport: Transport,
  pinned: boolean,
  counts: Counts,
): Promise<Latency> {
  return withWorkers(async (start, endpoint) => {
    const server = start(impl, { role: 'rtt-server', pattern, endpoint: endpoint('rtt') }, pinned);
    const { endpoint: bound } = await server.expect('ready', timeout);
    const client = start(
      impl,
      {
        role: 'rtt-client',
        pattern,
        endpoint: bound,
        count: counts.roundTrips,
        warmup: counts.warmup,
        ...shape,
      },
      pinned,
    );
    return latencyOf(await client.expect('result', timeout));
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
      { role: 'broker', frontend: endpoint('frontend'), backend: endpoint('backend') },
      pinned,
    );
    const ready = await broker.expect('ready', timeout);
    start(impl, { role: 'broker-worker', endpoint: ready.backend }, pinned);
    await broker.expect('worker', timeout);
    const client = start(
      impl,
      {
        role: 'rtt-client',
        pattern: 'dealer-router',
        endpoint: ready.frontend,
        count: counts.roundTrips,
        warmup: counts.warmup,
        ...shape,
      },
      pinned,
    );
    return latencyOf(await client.expect('result', timeout));
  }, transport);
}

/** Plain Bun socket echo of the same 216 bytes: the floor no ZeroMQ implementation can beat. */
export function echoFloor(transport: Transport, pinned: boolean, counts: Counts): Promise<Latency> {
  return withWorkers(async (start, endpoint) => {
    const server = start('floor', { role: 'echo-server', endpoint: endpoint('echo') }, pinned);
    const { endpoint: bound } = await server.expect('ready', timeout);
    const client = start(
      'floor',
      { role: 'echo-client', endpoint: bound, count: counts.roundTrips, warmup: counts.warmup, ...shape },
      pinned,
    );
    return latencyOf(await client.expect('result', timeout));
  }, transport);
}

/** PUB -> N SUB throughput in messages per second per subscriber (the slowest one counts). */
export function fanOut(
  impl: Impl,
  subscribers: number,
  transport: Transport,
  counts: Counts,
): Promise<number> {
  return withWorkers(async (start, endpoint) => {
    const count = counts.published(subscribers);
    const pub = start(impl, { role: 'pub', endpoint: endpoint('pub'), count, ...shape }, false);
    const { endpoint: bound } = await pub.expect('ready', timeout);
    const subs = start(impl, { role: 'subs', endpoint: bound, subscribers, count }, false);
    await subs.expect('synced', timeout);
    pub.tell('go');
    const { result } = await subs.expect('result', timeout);
    return (result as { rate: number }).rate;
  }, transport);
}
