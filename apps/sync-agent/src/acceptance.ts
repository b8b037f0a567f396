// Whether the Backend accepts our results, from the deliveries' verdicts (drain.ts `Verdict`), and the
// problems the health page shows for the sync side. The agent owns one of these; it is the single author
// of `backend_connected` and of the sync reasons behind a `degraded` station.
import type { Verdict } from './drain.ts';

/** What the sync side reports beyond the counts: connectedness, since when deliveries fail, and why. */
export interface AcceptanceReport {
  backendConnected: boolean;
  deliveryFailingSince: string | null;
  problems: string[];
}

/** Delivery verdicts folded into "failing since T" (the first failure after the last accepted delivery). */
export class Acceptance {
  #failingSince: number | null = null;
  #failingError: string | null = null;

  /** Records a verdict; true when it flipped between failing and accepting. */
  judge(v: Verdict): boolean {
    const wasFailing = this.#failingSince !== null;
    if (v.accepted) {
      this.#failingSince = null;
      this.#failingError = null;
    } else {
      this.#failingSince ??= v.at;
      this.#failingError = v.error ?? null;
    }
    return wasFailing !== (this.#failingSince !== null);
  }

  /** ISO time deliveries started failing, or null. */
  get failingSince(): string | null {
    return this.#failingSince === null ? null : new Date(this.#failingSince).toISOString();
  }

  get failingError(): string | null {
    return this.#failingError;
  }

  /**
   * The report for `sync.status`. `reachable` is the health probe's verdict (undefined before the first),
   * `unreachableWhy` its error; `rejected` the rows waiting for a person. Offline, nothing is a problem.
   */
  report(opts: {
    online: boolean;
    reachable: boolean | undefined;
    unreachableWhy: string | null;
    rejected: number;
  }): AcceptanceReport {
    const since = this.failingSince;
    const problems: string[] = [];
    if (opts.online) {
      if (opts.reachable !== true) problems.push(opts.unreachableWhy ?? 'Backend not probed yet');
      if (since !== null) {
        problems.push(`deliveries failing since ${since}: ${this.#failingError ?? 'unknown error'}`);
      }
      if (opts.rejected > 0) {
        const n = opts.rejected;
        problems.push(
          `${n} result${n === 1 ? '' : 's'} rejected by the Backend (see sync_queue.last_error; POST /api/system/sync {"retryRejected": true} once fixed)`,
        );
      }
    }
    return {
      backendConnected: opts.online && opts.reachable === true && since === null,
      deliveryFailingSince: since,
      problems,
    };
  }
}
