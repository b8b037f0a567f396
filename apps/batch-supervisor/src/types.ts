// The supervisor's collaborators as small interfaces (spawn, bus link, events, store, clock), so the logic
// can be driven by real processes in production and by hand-made stand-ins in tests.
import type { BusLogger } from '@station/bus';
import type { BatchConfig } from '@station/config';
import type { Store } from '@station/db';
import type { Health, RunnerStatus, StationEvent } from '@station/model';
import type { RunnerIdentity } from '@station/service/runner-files';
import type { RunnerProcess } from '@station/service/runner-process';
import type { Timers } from '@station/time';
import type { Gate } from './gate.ts';
import type { RssProbe } from './memory-watch.ts';

export type { ExitInfo, RunnerProcess } from '@station/service/runner-process';

/**
 * Starts the runner of one batch; throws (or rejects) when it cannot be started. A batch on another
 * machine is started through its batch host, hence the promise.
 */
export type SpawnRunner = (batch: BatchConfig) => RunnerProcess | Promise<RunnerProcess>;

/** Takes over a runner an earlier supervisor spawned (see `adoptedRunner`). */
export type AdoptRunner = (id: RunnerIdentity) => RunnerProcess;

/**
 * The outcome of one request to a runner. `brokerDown` = the supervisor itself cannot reach the broker, so
 * silence says nothing about the runner (no heartbeat is counted as missed).
 */
export type LinkResult<T> = { ok: true; value: T } | { ok: false; brokerDown: boolean; message: string };

/** Requests the supervisor makes to `runner.<batchId>`. */
export interface RunnerLink {
  health(batchId: string, timeoutMs: number): Promise<LinkResult<Health>>;
  status(batchId: string, timeoutMs: number): Promise<LinkResult<RunnerStatus>>;
  shutdown(batchId: string, timeoutMs: number, reason: StopReason): Promise<LinkResult<{ status: string }>>;
}

/** Why a batch's runner is stopped on purpose: an operator's stop (`ABORTED`) or the station's shutdown. */
export type StopReason = 'ABORTED' | 'SHUTDOWN';

/** A stop's reason, and the message its interrupted execution keeps as `error`. */
export interface StopCause {
  reason: StopReason;
  message: string;
}

/** Where station events go (the bus's Publisher); fire and forget. */
export interface EventSink {
  publish(event: StationEvent): void;
}

/** The store queries the supervisor uses; an open `Store` from @station/db is one. */
export type SupervisorStore = Pick<Store, 'markInterrupted' | 'runningExecutions' | 'getResult'>;

/** Every duration the supervisor waits on, in milliseconds; tests shrink them. */
export interface Timings {
  /** Longest a runner may take from spawn to answering `health` on the bus. */
  startTimeoutMs: number;
  /** How often a starting runner is asked whether it has registered. */
  registerPollMs: number;
  /** How often a running runner is asked for its status (heartbeat; nothing is published per beat). */
  heartbeatMs: number;
  /** Deadline of each heartbeat request. */
  heartbeatTimeoutMs: number;
  /** Heartbeats in a row without an answer after which a live process counts as hung. */
  heartbeatMisses: number;
  /** How long a runner asked to `shutdown` may take before it gets SIGTERM. */
  shutdownGraceMs: number;
  /** How long after SIGTERM before SIGKILL. */
  termGraceMs: number;
  /** How often a runner's resident memory is compared with its batch's `limits.memory_mb`. */
  memorySampleMs: number;
}

/** Defaults sized for a loaded 2-core station PC; a stop ends within about 9 s, under the gateway's 15 s. */
export const DEFAULT_TIMINGS: Timings = {
  startTimeoutMs: 10_000,
  registerPollMs: 20,
  heartbeatMs: 1_000,
  // A runner starved of CPU (fifty of them on two cores) answers late but is fine; killing it would
  // destroy a test in progress. About ten seconds of silence, not three, make a runner hung.
  heartbeatTimeoutMs: 2_000,
  heartbeatMisses: 5,
  shutdownGraceMs: 5_000,
  termGraceMs: 2_000,
  memorySampleMs: 500,
};

/** What a batch controller needs from the world. */
export interface BatchDeps {
  spawn: SpawnRunner;
  /** Default: adoption is not possible (tests with stand-in processes). */
  adopt?: AdoptRunner;
  /** A batch's runner has ended and been dealt with: its pid and exit files can go. */
  runnerGone?: (batchId: string) => void;
  /** Shared by all batches: how many runners may be starting (spawned, not yet registered) at once. */
  startGate: Gate;
  link: RunnerLink;
  events: EventSink;
  store: SupervisorStore;
  /** Time and timers: restarts, heartbeats, registration polls, memory samples (tests hand in their own). */
  clock: Timers;
  timings: Timings;
  logger: BusLogger;
  /** Reads a runner's resident memory for the memory limit (default: /proc/<pid>/status). */
  rss?: RssProbe;
  /**
   * Resolves when running batches may begin their heartbeat (default: at once). During a cold start's
   * wave the supervisor holds them back: fifty Ready runners answering `status` every second took CPU from
   * the starts still in progress, and a runner's exit is seen at once without a heartbeat.
   */
  beatsFrom?: () => Promise<void>;
}
