// What a delivery means for its queue row (ARCHITECTURE.md "Backend contract"): 2xx and 409 are synced;
// 408, 429, 5xx, timeouts and network errors are retried later; any other 4xx is rejected and waits for a
// person, because sending the same bytes again cannot change the Backend's mind.
import { type BackoffPolicy, backoffDelay, parseRetryAfter } from './backoff.ts';
import { type Delivery, describeDelivery } from './client.ts';

/** The decision for one queue row. */
export type Outcome =
  | { kind: 'synced'; status: number }
  | {
      kind: 'retry';
      delayMs: number;
      error: string;
      /** HTTP status, null for timeouts and network errors. */
      status: number | null;
      /** Set when the Backend said how long to wait (Retry-After); the agent then pauses all sending. */
      retryAfterMs?: number;
      /** True when the Backend could not be reached at all (timeout, network): a hint for health. */
      unreachable: boolean;
    }
  | { kind: 'rejected'; status: number; error: string }
  /** Our own shutdown cancelled it: leave the row to be released, count nothing. */
  | { kind: 'aborted' };

/** HTTP statuses outside 5xx that mean "try again later". */
const RETRYABLE_4XX = new Set([408, 429]);

/**
 * Classifies one delivery. `attempt` is the row's attempt count including this one (1 for the first).
 * @example classify({ kind: 'answer', status: 503, retryAfter: '5', excerpt: '' }, 1, policy, now, rnd)
 *   // { kind: 'retry', delayMs: 5000, retryAfterMs: 5000, status: 503, ... }
 */
export function classify(
  d: Delivery,
  attempt: number,
  policy: BackoffPolicy,
  nowMs: number,
  random: () => number,
): Outcome {
  switch (d.kind) {
    case 'aborted':
      return { kind: 'aborted' };
    case 'timeout':
    case 'network':
      return {
        kind: 'retry',
        delayMs: backoffDelay(attempt, policy, random),
        error: describeDelivery(d),
        status: null,
        unreachable: true,
      };
    case 'answer': {
      const { status } = d;
      if ((status >= 200 && status < 300) || status === 409) return { kind: 'synced', status };
      if (status >= 500 || RETRYABLE_4XX.has(status)) {
        const retryAfterMs = parseRetryAfter(d.retryAfter, nowMs);
        const outcome: Outcome = {
          kind: 'retry',
          delayMs: retryAfterMs ?? backoffDelay(attempt, policy, random),
          error: describeDelivery(d),
          status,
          unreachable: false,
        };
        if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
        return outcome;
      }
      // 1xx and 3xx land here too: the contract has no redirects, and following one blindly could hand
      // the API key to another host.
      return { kind: 'rejected', status, error: describeDelivery(d) };
    }
  }
}
