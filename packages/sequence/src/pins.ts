// A batch's sequence version (`batch.version`, `batch.pin`): the supervisor is the one writer of pins. A pin
// is checked against the versions installed under sequences_dir, kept in the store (`sequence_pins`, so it
// outlives every restart) and read by the batch's runner before its next start: a running sequence is
// never touched, an idle runner takes the pinned version at its next start. Here rather than in the
// supervisor so the gateway's and the runner's tests pin as the supervisor does without importing an app.
import type { Store } from '@station/db';
import type { BatchDetail, BatchVersion, SupervisorErrorCode, VersionRef } from '@station/model';
import { isSequenceError } from './errors.ts';
import { resolveVersion } from './versions.ts';

/** What a pin needs of a batch in station.yaml. */
export interface PinnedBatch {
  id: string;
  sequence_package: string;
  sequence_version?: string | undefined;
}

/**
 * A pin refused: an unknown batch (NOT_FOUND) or a version the station does not hold
 * (VERSION_NOT_INSTALLED). Supervisor codes, exposed as they are on the bus (`expose`).
 */
export class PinError extends Error {
  override readonly name = 'PinError';
  readonly code: Extract<SupervisorErrorCode, 'NOT_FOUND' | 'VERSION_NOT_INSTALLED'>;
  readonly details: Record<string, unknown>;
  readonly expose = true;

  constructor(code: PinError['code'], message: string, details: Record<string, unknown>, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = details;
  }
}

export interface SequencePinsDeps {
  batches: readonly PinnedBatch[];
  sequencesDir: string;
  store: Pick<Store, 'batchVersionRule' | 'setSequencePin'>;
  clock: { now(): number };
  /** The batch's detail with a fresh runner status (`Supervisor.get`): what it has loaded, whether it runs. */
  detail(batchId: string): Promise<BatchDetail>;
}

/** Reads and sets the version rule of each batch. */
export class SequencePins {
  readonly #deps: SequencePinsDeps;

  constructor(deps: SequencePinsDeps) {
    this.#deps = deps;
  }

  #config(batchId: string): PinnedBatch {
    const batch = this.#deps.batches.find((b) => b.id === batchId);
    if (batch) return batch;
    throw new PinError('NOT_FOUND', `no batch "${batchId}" on this station`, {
      batchId,
      batches: this.#deps.batches.map((b) => b.id),
    });
  }

  /** The batch's rule, the version it picks for the next run, and what its runner has loaded. */
  async version(batchId: string): Promise<BatchVersion> {
    const batch = this.#config(batchId);
    const { rule, source, pin } = this.#deps.store.batchVersionRule(batchId, batch.sequence_version);
    let next: VersionRef | null = null;
    try {
      const picked = resolveVersion(this.#deps.sequencesDir, batch.sequence_package, rule);
      next = { version: picked.version, hash: picked.hash };
    } catch (err) {
      // Nothing the rule can pick (a folder removed by hand): shown as no next version, not a failed read.
      if (!isSequenceError(err)) throw err;
    }
    const detail = await this.#deps.detail(batchId);
    const out: BatchVersion = {
      batchId,
      sequence: batch.sequence_package,
      rule,
      source,
      next,
      sequenceRunning: detail.sequenceRunning === true,
    };
    if (pin) {
      out.pinnedAt = pin.pinnedAt;
      out.pinnedBy = pin.pinnedBy;
    }
    if (detail.package?.hash) out.loaded = { version: detail.package.version, hash: detail.package.hash };
    return out;
  }

  /**
   * Pins the batch to `version` (exact, or `latest`). NOT_FOUND for an unknown batch, VERSION_NOT_INSTALLED
   * (naming the installed versions) for a version of its package the station does not hold.
   */
  async pin(batchId: string, version: string, pinnedBy: string): Promise<BatchVersion> {
    const batch = this.#config(batchId);
    try {
      resolveVersion(this.#deps.sequencesDir, batch.sequence_package, version);
    } catch (err) {
      if (!isSequenceError(err) || err.code !== 'NOT_FOUND') throw err;
      throw new PinError('VERSION_NOT_INSTALLED', err.message, { batchId, ...err.details }, err);
    }
    this.#deps.store.setSequencePin({
      batchId,
      version,
      pinnedAt: new Date(this.#deps.clock.now()).toISOString(),
      pinnedBy,
    });
    return this.version(batchId);
  }
}
