// The station's batches as a whole: one controller per configured batch, the clean-up of executions an
// earlier supervisor left running, auto-start, and a shutdown that refuses new starts and stops every runner.
import type { BatchDetail, BatchState, BatchStatus } from '@station/bus';
import type { BatchConfig } from '@station/config';
import { BatchController, type StartOrigin, type StartReply } from './batch.ts';
import { SupervisorError } from './errors.ts';
import type { BatchDeps } from './types.ts';

export interface SupervisorOptions extends BatchDeps {
  /** The station's batches, in station.yaml order. */
  batches: BatchConfig[];
}

/** What `recover()` found and marked. */
export interface Recovery {
  /** Execution ids that were `running` for this station's batches and are now `failed`. */
  executions: string[];
}

/**
 * Supervises every batch runner of the station. A failure of one batch never touches another: each has
 * its own controller, process and restart history.
 * @example const sup = new Supervisor({ batches: config.batches, ...deps }); sup.recover(); await sup.autoStart();
 */
export class Supervisor {
  readonly #batches = new Map<string, BatchController>();
  readonly #deps: BatchDeps;
  #closing: Promise<void> | undefined;

  constructor(opts: SupervisorOptions) {
    const { batches, ...deps } = opts;
    this.#deps = deps;
    for (const batch of batches) this.#batches.set(batch.id, new BatchController(batch, deps));
  }

  /** Whether shutdown has begun (new starts are refused). */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Marks executions the store still says are `running` for this station's batches: their runners died
   * with an earlier supervisor (or were orphaned by its SIGKILL and exited). Call before any runner starts.
   */
  recover(): Recovery {
    const executions: string[] = [];
    const at = new Date(this.#deps.clock.now());
    for (const id of this.#batches.keys()) {
      const marked = this.#deps.store.markInterrupted(
        { batchId: id },
        'failed',
        {
          reason: 'INTERRUPTED',
          message: 'INTERRUPTED: supervisor lost (the batch supervisor stopped while this execution ran)',
        },
        at,
      );
      executions.push(...marked);
    }
    if (executions.length > 0) {
      this.#deps.logger.warn({ executions }, 'marked executions left running by an earlier supervisor');
    }
    return { executions };
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
    const auto = [...this.#batches.values()].filter((b) => b.config.auto_start);
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
