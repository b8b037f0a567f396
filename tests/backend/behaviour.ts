// What the test Backend does with the next result it receives: the failure modes a real network and a
// real Backend show, as plain data so the control API and in-process callers share one vocabulary.

/** How the Backend answers a result delivery. */
export type Behaviour =
  /** Store the result and answer 201 (409 for a key it already holds). */
  | { kind: 'ok' }
  /** Answer this status without storing; `retryAfter` is sent verbatim as the Retry-After header. */
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  /**
   * Hold the request open without answering until the Backend is reset, goes down or `ms` pass. With
   * `store` the result is kept first: the client times out although the Backend has it.
   */
  | { kind: 'hang'; store: boolean; ms?: number }
  /** Store and answer normally, but only after `delayMs`. */
  | { kind: 'slow'; delayMs: number };

/** A behaviour for the next `times` deliveries (all of them while `times` is undefined). */
export interface Plan {
  behaviour: Behaviour;
  times?: number;
}

/** Parses a control API body such as `{ "kind": "status", "status": 503, "retryAfter": "2", "times": 3 }`. */
export function parsePlan(input: unknown): Plan | string {
  if (typeof input !== 'object' || input === null) return 'expected a JSON object';
  const o = input as Record<string, unknown>;
  const times = o.times === undefined ? undefined : Number(o.times);
  if (times !== undefined && !(Number.isInteger(times) && times > 0))
    return 'times must be a positive integer';
  switch (o.kind) {
    case 'ok':
      return { behaviour: { kind: 'ok' }, times };
    case 'status': {
      const status = Number(o.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) return 'status must be an HTTP status';
      const behaviour: Behaviour = { kind: 'status', status };
      if (o.retryAfter !== undefined) behaviour.retryAfter = String(o.retryAfter);
      if (o.body !== undefined) behaviour.body = String(o.body);
      return { behaviour, times };
    }
    case 'hang': {
      const behaviour: Behaviour = { kind: 'hang', store: o.store !== false };
      if (o.ms !== undefined) behaviour.ms = Number(o.ms);
      return { behaviour, times };
    }
    case 'slow': {
      const delayMs = Number(o.delayMs);
      if (!Number.isFinite(delayMs) || delayMs < 0) return 'delayMs must be a non-negative number';
      return { behaviour: { kind: 'slow', delayMs }, times };
    }
    default:
      return 'kind must be one of ok, status, hang, slow';
  }
}

/** Queue of plans: the head applies until its `times` run out, then the default (`ok`) applies. */
export class PlanQueue {
  #plans: Plan[] = [];

  /** Replaces every queued plan with this one. */
  set(plan: Plan): void {
    this.#plans = [{ ...plan }];
  }

  /** Adds a plan after the queued ones (e.g. two 503s, then one 429). */
  push(plan: Plan): void {
    this.#plans.push({ ...plan });
  }

  clear(): void {
    this.#plans = [];
  }

  /** The behaviour for the delivery arriving now; consumes one use of a counted plan. */
  next(): Behaviour {
    const head = this.#plans[0];
    if (!head) return { kind: 'ok' };
    if (head.times !== undefined) {
      head.times -= 1;
      if (head.times <= 0) this.#plans.shift();
    }
    return head.behaviour;
  }
}
