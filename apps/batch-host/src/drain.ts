// Delivery of the host's spool to the station's store (`store` on the bus, `spool.deliver`): the oldest
// records first, a bounded batch at a time; what the station acknowledges is deleted, the rest is sent
// again. At least once on the wire, exactly once in the store (the station dedupes by execution and seq).

import type { BusLogger } from '@station/bus';
import type { SpoolAck, SpoolRecord } from '@station/model';
import { sleep, systemTimers, type Timers } from '@station/time';

/** The part of the host's store the drain uses. */
export interface SpoolStore {
  spoolPending(limit?: number): SpoolRecord[];
  spoolAcknowledge(acked: readonly { executionId: string; seq: number }[]): number;
}

export interface SpoolDrainOptions {
  store: SpoolStore;
  /** Sends records to the station and returns its answer; throws when it does not answer. */
  deliver: (records: SpoolRecord[]) => Promise<SpoolAck>;
  logger: BusLogger;
  timers?: Timers;
  /** Pause when the spool is empty (ms). Default 100. */
  idleMs?: number;
  /** Longest pause after failed deliveries (ms); they double from `idleMs`. Default 2000. */
  retryCapMs?: number;
  /** Records per delivery. Default 200. */
  batch?: number;
}

/** Sends the spool to the station until stopped. */
export class SpoolDrain {
  readonly #opts: SpoolDrainOptions;
  readonly #timers: Timers;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #delivered = 0;

  constructor(opts: SpoolDrainOptions) {
    this.#opts = opts;
    this.#timers = opts.timers ?? systemTimers;
  }

  /** Records the station has acknowledged since this drain started. */
  get delivered(): number {
    return this.#delivered;
  }

  /**
   * One delivery of the oldest records; resolves with how many the station acknowledged (0 when the spool
   * is empty). Records it answers `early` stay, to go again after the ones before them.
   */
  async deliverOnce(): Promise<number> {
    const records = this.#opts.store.spoolPending(this.#opts.batch ?? 200);
    if (records.length === 0) return 0;
    const ack = await this.#opts.deliver(records);
    const done = ack.outcomes.filter((o) => o.outcome !== 'early');
    for (const o of ack.outcomes) {
      if (o.outcome === 'refused' || o.outcome === 'early') {
        this.#opts.logger.warn(
          { executionId: o.executionId, seq: o.seq, outcome: o.outcome },
          o.message ?? o.outcome,
        );
      }
    }
    this.#opts.store.spoolAcknowledge(done);
    this.#delivered += done.length;
    return done.length;
  }

  /** Starts delivering in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops after the delivery in flight (what is not acknowledged stays in the spool). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const idle = this.#opts.idleMs ?? 100;
    const cap = this.#opts.retryCapMs ?? 2_000;
    let wait = idle;
    while (!this.#stop.signal.aborted) {
      try {
        const n = await this.deliverOnce();
        wait = idle;
        if (n > 0) continue;
      } catch (err) {
        this.#opts.logger.debug({ err: String(err) }, 'spool not delivered; retrying');
        wait = Math.min(cap, wait * 2);
      }
      await sleep(wait, this.#stop.signal, () => undefined, this.#timers).catch(() => {});
    }
  }
}
