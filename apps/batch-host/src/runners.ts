// The runners of one batch host: started here for the station's supervisor, watched until they end, and
// remembered after their end until the supervisor has dealt with it (`forget`). They outlive the host
// process as they outlive a supervisor (own session, pid files under the host's `<data_dir>/run`), so a
// restarted host takes them over from their pid files. An end is reported only once the spool holds none
// of its batch's writes, so the supervisor never ends a run on the station while its steps are on the way.

import { BusError, type BusLogger } from '@station/bus';
import type { BatchConfig } from '@station/config';
import type { HostRunner, HostRunnerExit } from '@station/model';
import type { RunnerIdentity } from '@station/service/runner-files';
import type { ExitInfo, RunnerProcess } from '@station/service/runner-process';

/** One runner this host knows: its identity, its process handle, and its end once it came. */
interface Entry {
  id: RunnerIdentity;
  proc: RunnerProcess;
  exit?: ExitInfo;
}

export interface HostRunnersOptions {
  /** The batches station.yaml places on this host. */
  batches: BatchConfig[];
  /** Starts a batch's runner (the process spawner the supervisor uses too, on this machine). */
  spawn: (batch: BatchConfig) => RunnerProcess;
  /** Takes over a runner an earlier host process started. */
  adopt: (id: RunnerIdentity) => RunnerProcess;
  /** What an earlier host process left: a live runner, or one that ended with (or without) an exit file. */
  find: (batchId: string) => { alive?: RunnerIdentity; ended?: { id: RunnerIdentity; exit?: ExitInfo } };
  /** Writes of the batch still in the spool (not yet acknowledged by the station). */
  pending: (batchId: string) => number;
  /** A runner ended badly: its run is ended in this host's store too, so its next runner recovers it. */
  onCrash: (batchId: string, exit: ExitInfo, pid: number) => void;
  /** The supervisor has dealt with the end: the pid and exit files can go. */
  clearFiles: (batchId: string) => void;
  logger: BusLogger;
}

/** The host's runners by batch id; every method is safe to call at any time. */
export class HostRunners {
  readonly #opts: HostRunnersOptions;
  readonly #batches: Map<string, BatchConfig>;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: HostRunnersOptions) {
    this.#opts = opts;
    this.#batches = new Map(opts.batches.map((b) => [b.id, b]));
  }

  /** Takes over what an earlier host process left: live runners, and ends nobody has heard of yet. */
  adoptExisting(): void {
    for (const batchId of this.#batches.keys()) {
      const found = this.#opts.find(batchId);
      if (found.alive) {
        this.#opts.logger.info(
          { batchId, pid: found.alive.pid },
          'taking over a runner left by an earlier host',
        );
        this.#track(found.alive, this.#opts.adopt(found.alive));
      } else if (found.ended) {
        const exit = found.ended.exit ?? { code: null, signal: null, lost: true };
        const never = new Promise<ExitInfo>(() => {});
        this.#entries.set(batchId, { id: found.ended.id, proc: ended(found.ended.id, never), exit });
      }
    }
  }

  /** Starts the batch's runner, or names the one already running (`adopted`). */
  start(batchId: string): { pid: number; startTime: string; adopted: boolean } {
    const batch = this.#batches.get(batchId);
    if (!batch) {
      throw new BusError('BAD_REQUEST', `batch ${batchId} is not placed on this host`, {
        details: { batchId, batches: [...this.#batches.keys()] },
      });
    }
    const known = this.#entries.get(batchId);
    if (known && !known.exit) return { pid: known.id.pid, startTime: known.id.startTime, adopted: true };
    if (known) this.#drop(batchId);
    const proc = this.#opts.spawn(batch);
    const id = proc.identity ?? { batchId, pid: proc.pid, startTime: '' };
    this.#track(id, proc);
    this.#opts.logger.info({ batchId, pid: proc.pid }, 'runner started for the supervisor');
    return { pid: id.pid, startTime: id.startTime, adopted: false };
  }

  /** Every runner: live ones, and ended ones (with their exit once the spool has delivered their writes). */
  list(): HostRunner[] {
    return [...this.#entries.values()].map((e) => {
      const exit: HostRunnerExit | undefined =
        e.exit && this.#opts.pending(e.id.batchId) === 0 ? exitOf(e.exit) : undefined;
      return {
        batchId: e.id.batchId,
        pid: e.id.pid,
        startTime: e.id.startTime,
        stderr: e.proc.stderrTail(),
        ...(exit ? { exit } : {}),
      };
    });
  }

  /** Signals that very runner; false when it is not (or no longer) the one running. */
  signal(ref: RunnerIdentity, signal: 'SIGTERM' | 'SIGKILL'): boolean {
    const e = this.#match(ref);
    if (!e || e.exit) return false;
    e.proc.kill(signal);
    return true;
  }

  /** The supervisor has dealt with that runner's end; false when it is unknown or still running. */
  forget(ref: RunnerIdentity): boolean {
    const e = this.#match(ref);
    if (!e?.exit) return false;
    this.#drop(ref.batchId);
    return true;
  }

  /** The host process leaves: its runners keep running for the next one. */
  leave(): void {
    for (const e of this.#entries.values()) e.proc.detach?.();
  }

  #match(ref: RunnerIdentity): Entry | undefined {
    const e = this.#entries.get(ref.batchId);
    return e && e.id.pid === ref.pid && e.id.startTime === ref.startTime ? e : undefined;
  }

  #drop(batchId: string): void {
    this.#entries.delete(batchId);
    this.#opts.clearFiles(batchId);
  }

  #track(id: RunnerIdentity, proc: RunnerProcess): void {
    const entry: Entry = { id, proc };
    this.#entries.set(id.batchId, entry);
    void proc.exited.then((exit) => {
      if (this.#entries.get(id.batchId) !== entry) return;
      entry.exit = exit;
      this.#opts.logger.info({ batchId: id.batchId, pid: id.pid, ...exit }, 'runner ended');
      if (exit.lost || exit.signal !== null || exit.code !== 0) this.#opts.onCrash(id.batchId, exit, id.pid);
    });
  }
}

/** A runner that ended before this host process started: nothing to signal or watch. */
function ended(id: RunnerIdentity, exited: Promise<ExitInfo>): RunnerProcess {
  return { pid: id.pid, identity: id, adopted: true, exited, kill: () => {}, stderrTail: () => [] };
}

function exitOf(exit: ExitInfo): HostRunnerExit {
  return {
    code: exit.code,
    signal: exit.signal,
    ...(exit.reason ? { reason: exit.reason } : {}),
    ...(exit.lost ? { lost: true } : {}),
  };
}
