// The station's batches as a whole: one controller per configured batch, the clean-up of executions an
// earlier supervisor left running, auto-start, and a shutdown that refuses new starts and stops every runner.

import type { BatchConfig } from '@station/config';
import type { BatchDetail, BatchState, BatchStatus } from '@station/model';
import type { RunnerExit, RunnerIdentity } from '@station/service/runner-files';
import { BatchController, type StartOrigin, type StartReply } from './batch.ts';
import { SupervisorError } from './errors.ts';
import type { BatchDeps } from './types.ts';

/** What is left of a batch's runner from an earlier supervisor. */
export interface Discovery {
  /** Runner processes alive for the batch (its pid file's first, then the process table's). */
  running: RunnerIdentity[];
  /** The runner the pid file names is gone; `exit` is what it wrote before it went, if anything. */
  ended?: { id: RunnerIdentity; exit?: RunnerExit };
  /**
   * Nothing can be known now (the batch host of a remote batch does not answer): its runs are left as
   * they are, since the runner may still be running them; a later start finds it through the host.
   */
  unknown?: boolean;
}

export interface SupervisorOptions extends BatchDeps {
  /** The station's batches, in station.yaml order. */
  batches: BatchConfig[];
  /** Finds runners an earlier supervisor left (pid files, process table); none when absent. */
  discover?: (batchId: string) => Discovery;
}

/** What `recover()` found and marked. */
export interface Recovery {
  /** Execution ids that were `running` for this station's batches and are now `failed`. */
  executions: string[];
  /** Batches whose runner still runs and is to be adopted (`adoptRunners()`). */
  adoptable: string[];
}

/**
 * Supervises every batch runner of the station. A failure of one batch never touches another: each has
 * its own controller, process and restart history.
 * @example const sup = new Supervisor({ batches: config.batches, ...deps }); sup.recover(); await sup.autoStart();
 */
export class Supervisor {
  readonly #batches = new Map<string, BatchController>();
  readonly #deps: BatchDeps;
  readonly #discover: SupervisorOptions['discover'];
  readonly #adoptable = new Map<string, RunnerIdentity>();
  #closing: Promise<void> | undefined;

  constructor(opts: SupervisorOptions) {
    const { batches, discover, ...deps } = opts;
    this.#deps = deps;
    this.#discover = discover;
    for (const batch of batches) this.#batches.set(batch.id, new BatchController(batch, deps));
  }

  /** Whether shutdown has begun (new starts are refused). */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Looks for what an earlier supervisor left. A batch whose runner still runs is kept for adoption (its
   * executions are its own). For the others, executions the store still says are `running` are marked
   * `failed`: `BATCH_LOST` when their runner vanished without an exit reason, `BATCH_CRASHED` when it
   * exited with an error while nobody watched, `INTERRUPTED` otherwise. Call before any runner starts.
   */
  recover(): Recovery {
    const executions: string[] = [];
    const at = new Date(this.#deps.clock.now());
    for (const [id, batch] of this.#batches) {
      const found = this.#discover?.(id) ?? { running: [] };
      if (found.unknown) {
        this.#deps.logger.warn(
          { batchId: id },
          'its batch host does not answer; its runs are left as they are',
        );
        continue;
      }
      const [alive, ...others] = found.running;
      if (alive && this.#deps.adopt) {
        if (others.length > 0) {
          this.#deps.logger.error(
            { batchId: id, pids: found.running.map((r) => r.pid) },
            'more than one runner process for one batch; adopting the first, the others are left alone',
          );
        }
        this.#adoptable.set(id, alive);
        continue;
      }
      const cause = endedCause(id, found.ended);
      if (cause.show) batch.noteEndedUnwatched(cause.code, cause.message, { stderr: [], reason: cause.note });
      if (found.ended) this.#deps.runnerGone?.(id);
      executions.push(
        ...this.#deps.store.markInterrupted(
          { batchId: id },
          'failed',
          { reason: cause.reason, message: cause.message },
          at,
          { holdResumable: true },
        ),
      );
    }
    if (executions.length > 0) {
      this.#deps.logger.warn({ executions }, 'marked executions left running by an earlier supervisor');
    }
    return { executions, adoptable: [...this.#adoptable.keys()] };
  }

  /** Adopts every runner `recover()` found alive, concurrently; resolves once each is running or failed. */
  async adoptRunners(): Promise<void> {
    const adopt = this.#deps.adopt;
    if (!adopt) return;
    const found = [...this.#adoptable];
    this.#adoptable.clear();
    await Promise.all(found.map(([id, runner]) => this.#batch(id).adopt(adopt(runner))));
  }

  /** The supervisor exits and leaves every runner running, for the next supervisor to adopt. */
  leave(): void {
    this.#closing ??= Promise.resolve();
    for (const batch of this.#batches.values()) batch.leave();
  }

  /** Every batch's status, from cache (answers at once, whatever the runners are doing). */
  list(): BatchStatus[] {
    return [...this.#batches.values()].map((b) => b.status());
  }

  /** One batch's detail; NOT_FOUND for an id that is not in station.yaml. */
  async get(batchId: string): Promise<BatchDetail> {
    return this.#batch(batchId).detail();
  }

  /** Starts a batch's runner; resolves once it has registered on the bus. */
  async start(batchId: string, origin: StartOrigin = 'request'): Promise<StartReply> {
    const batch = this.#batch(batchId);
    if (this.#closing) throw new SupervisorError('SHUTTING_DOWN', 'the supervisor is shutting down');
    return batch.start(origin);
  }

  /** Stops a batch's runner. */
  async stop(batchId: string): Promise<{ status: BatchState }> {
    return this.#batch(batchId).stop();
  }

  /** Stops and starts one batch; the others keep running untouched. */
  async restart(batchId: string): Promise<StartReply> {
    const batch = this.#batch(batchId);
    if (this.#closing) throw new SupervisorError('SHUTTING_DOWN', 'the supervisor is shutting down');
    return batch.restart();
  }

  /** Starts every `auto_start` batch concurrently; failures are left to each batch's restart policy. */
  async autoStart(): Promise<BatchStatus[]> {
    // An adopted batch already runs (or is registering).
    const auto = [...this.#batches.values()].filter((b) => b.config.auto_start && b.state === 'idle');
    await Promise.all(
      auto.map((b) =>
        b.start('auto').catch((err: unknown) => {
          this.#deps.logger.warn({ batchId: b.id, err: String(err) }, 'auto-start failed');
        }),
      ),
    );
    return auto.map((b) => b.status());
  }

  /** Refuses new starts, cancels pending restarts and stops every runner (concurrently). Idempotent. */
  shutdown(): Promise<void> {
    this.#closing ??= Promise.all([...this.#batches.values()].map((b) => b.close())).then(() => {});
    return this.#closing;
  }

  #batch(batchId: string): BatchController {
    const batch = this.#batches.get(batchId);
    if (!batch) {
      throw new SupervisorError('NOT_FOUND', `no batch ${batchId} in this station's configuration`, {
        details: { batchId, batches: [...this.#batches.keys()] },
      });
    }
    return batch;
  }
}

/** How executions left `running` by a runner that ended while no supervisor watched it are marked. */
function endedCause(
  batchId: string,
  ended: Discovery['ended'],
): {
  reason: 'INTERRUPTED' | 'BATCH_CRASHED' | 'BATCH_LOST';
  code: 'BATCH_CRASHED' | 'BATCH_LOST';
  message: string;
  /** Shown as the batch's lastError (the operator should know). */
  show: boolean;
  note?: string;
} {
  if (!ended) {
    return {
      reason: 'INTERRUPTED',
      code: 'BATCH_CRASHED',
      message: 'INTERRUPTED: supervisor lost (the batch supervisor stopped while this execution ran)',
      show: false,
    };
  }
  const { id, exit } = ended;
  if (!exit) {
    return {
      reason: 'BATCH_LOST',
      code: 'BATCH_LOST',
      message: `runner of ${batchId} (pid ${id.pid}) is gone without leaving an exit reason, while no supervisor watched it (killed, or out of memory)`,
      show: true,
    };
  }
  const note = exit.message ? `${exit.reason}: ${exit.message}` : exit.reason;
  if (exit.code !== 0) {
    return {
      reason: 'BATCH_CRASHED',
      code: 'BATCH_CRASHED',
      message: `runner of ${batchId} (pid ${id.pid}) exited with code ${exit.code} (${note}) while no supervisor watched it`,
      show: true,
      note,
    };
  }
  return {
    reason: 'INTERRUPTED',
    code: 'BATCH_CRASHED',
    message: `INTERRUPTED: the runner of ${batchId} stopped (${note}) while no supervisor watched it`,
    show: false,
    note,
  };
}
