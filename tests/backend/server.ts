// The test Backend: a real HTTP server (Bun.serve on loopback) that speaks the Backend contract of
// ARCHITECTURE.md, stores results by Idempotency-Key and can be told to misbehave the way networks do.
// Tests drive it in process; `main.ts` runs it as a dev tool.
import { type Behaviour, type Plan, PlanQueue } from './behaviour.ts';

/** One result the Backend holds, keyed by its Idempotency-Key. */
export interface StoredResult {
  key: string;
  /** Position in arrival order of first storage, from 0. */
  seq: number;
  receivedAt: number;
  /** Every delivery of this key that passed authentication, the first included. */
  deliveries: number;
  /** The parsed ExecutionResult; absent when started with `keepBodies: false`. */
  body?: unknown;
}

/** One result delivery as it arrived: when, how many were in flight with it, and what it was answered. */
export interface Arrival {
  /** Date.now() at arrival. */
  at: number;
  /** Deliveries being handled at that moment, this one included (any key). */
  inFlight: number;
  /** The answer's status; 0 while unanswered. */
  status: number;
  /** Date.now() when the answer was ready; 0 while unanswered. */
  answeredAt: number;
}

/** Counters a test asserts on: exactly-once means `duplicateResults` and `concurrentDeliveries` stay 0. */
export interface BackendStats {
  /** Distinct idempotency keys stored. */
  results: number;
  /** Result requests that passed authentication. */
  deliveries: number;
  /** Deliveries of a key already stored (harmless re-sends, answered 409). */
  duplicates: number;
  /** Deliveries of a stored key with a different body: a second, different result for one execution. */
  duplicateResults: number;
  /** Deliveries that arrived while another delivery of the same key was still being handled. */
  concurrentDeliveries: number;
  unauthorized: number;
  /** Deliveries answered by a failure plan (status, or a hang without storing). */
  failed: number;
  healthChecks: number;
}

export interface TestBackendOptions {
  /** 0 (default) picks a free port; the same port is kept across `down()` / `up()`. */
  port?: number;
  hostname?: string;
  /** The Bearer token accepted; requests without it are answered 401. */
  apiKey?: string;
  /** Keep each result's parsed body (default true); the benchmark turns it off to measure the agent only. */
  keepBodies?: boolean;
  /** Called after each newly stored result (the dev tool logs with it). */
  onResult?: (result: StoredResult) => void;
}

const RESULTS_PATH = '/api/v1/results';
const HEALTH_PATH = '/api/health';

/** A Backend over real loopback HTTP whose failures are real (refused connections, hung sockets). */
export class TestBackend {
  readonly apiKey: string;
  readonly hostname: string;
  #port: number;
  #server: ReturnType<typeof Bun.serve> | undefined;
  #opts: TestBackendOptions;
  #plans = new PlanQueue();
  #results = new Map<string, StoredResult & { hash: string }>();
  #order: string[] = [];
  #inFlight = new Map<string, number>();
  #active = 0;
  #arrivals: Arrival[] = [];
  #hung = new Set<() => void>();
  #flapTimer: ReturnType<typeof setInterval> | undefined;
  #stats: BackendStats = {
    results: 0,
    deliveries: 0,
    duplicates: 0,
    duplicateResults: 0,
    concurrentDeliveries: 0,
    unauthorized: 0,
    failed: 0,
    healthChecks: 0,
  };

  private constructor(opts: TestBackendOptions) {
    this.#opts = opts;
    this.apiKey = opts.apiKey ?? 'test-backend-key';
    this.hostname = opts.hostname ?? '127.0.0.1';
    this.#port = opts.port ?? 0;
  }

  /** Starts listening; `await using` stops it at the end of the scope. */
  static async start(opts: TestBackendOptions = {}): Promise<TestBackend> {
    const backend = new TestBackend(opts);
    await backend.up();
    return backend;
  }

  get port(): number {
    return this.#port;
  }

  /** Base URL for `backend.url`, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    return `http://${this.hostname}:${this.#port}`;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  /** Listens (again) on the same port. */
  async up(): Promise<void> {
    if (this.#server) return;
    this.#server = Bun.serve({
      port: this.#port,
      hostname: this.hostname,
      idleTimeout: 0,
      development: false,
      fetch: (req) => this.#handle(req),
    });
    this.#port = this.#server.port ?? this.#port;
  }

  /** Stops listening and drops open connections: clients now get "connection refused". */
  async down(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#releaseHung();
    await server.stop(true);
  }

  /** Goes down and up every `periodMs` until `reset()` or `stop()`. */
  flap(periodMs: number): void {
    this.#stopFlap();
    this.#flapTimer = setInterval(() => {
      void (this.listening ? this.down() : this.up());
    }, periodMs);
  }

  /** Applies `behaviour` to the next `times` deliveries (or all, while `times` is undefined). */
  behave(behaviour: Behaviour, times?: number): void {
    this.#plans.set({ behaviour, times });
  }

  /** Queues a plan after the current ones, e.g. two 503s then one 429. */
  enqueue(plan: Plan): void {
    this.#plans.push(plan);
  }

  /** Back to normal: answers every delivery, stops flapping, lets hung requests go, listens. */
  async reset(): Promise<void> {
    this.#plans.clear();
    this.#stopFlap();
    this.#releaseHung();
    await this.up();
  }

  /** Stops for good (also releases hung requests). */
  async stop(): Promise<void> {
    this.#stopFlap();
    this.#plans.clear();
    await this.down();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  stats(): BackendStats {
    return { ...this.#stats };
  }

  /** Every authenticated result delivery so far, in arrival order (pacing tests read bursts from it). */
  arrivals(): Arrival[] {
    return this.#arrivals.map((a) => ({ ...a }));
  }

  /** Stored results in the order they were first stored. */
  results(): StoredResult[] {
    return this.#order.map((key) => {
      const { hash: _hash, ...r } = this.#results.get(key)!;
      return { ...r };
    });
  }

  /** Keys in the order they were first stored. */
  keys(): string[] {
    return [...this.#order];
  }

  get(key: string): StoredResult | undefined {
    const r = this.#results.get(key);
    if (!r) return undefined;
    const { hash: _hash, ...rest } = r;
    return { ...rest };
  }

  /** Polls until `cond()` holds; rejects after `timeoutMs` with the stats in the message. */
  async waitFor(cond: (b: TestBackend) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond(this)) {
      if (Date.now() > deadline) {
        throw new Error(`test backend: condition not met in ${timeoutMs} ms; ${JSON.stringify(this.#stats)}`);
      }
      await Bun.sleep(5);
    }
  }

  #stopFlap(): void {
    if (this.#flapTimer) clearInterval(this.#flapTimer);
    this.#flapTimer = undefined;
  }

  #releaseHung(): void {
    for (const release of this.#hung) release();
    this.#hung.clear();
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === HEALTH_PATH && req.method === 'GET') {
      this.#stats.healthChecks += 1;
      return Response.json({ status: 'ok' });
    }
    if (url.pathname !== RESULTS_PATH)
      return problem(404, 'NOT_FOUND', `no route ${req.method} ${url.pathname}`);
    if (req.method !== 'POST') return problem(405, 'METHOD_NOT_ALLOWED', 'POST only');
    if (req.headers.get('authorization') !== `Bearer ${this.apiKey}`) {
      this.#stats.unauthorized += 1;
      return problem(401, 'UNAUTHORIZED', 'missing or wrong API key');
    }
    const key = req.headers.get('idempotency-key');
    if (!key) return problem(400, 'NO_IDEMPOTENCY_KEY', 'Idempotency-Key header is required');
    const text = await req.text();

    this.#stats.deliveries += 1;
    const busy = this.#inFlight.get(key) ?? 0;
    if (busy > 0) this.#stats.concurrentDeliveries += 1;
    this.#inFlight.set(key, busy + 1);
    this.#active += 1;
    const arrival: Arrival = { at: Date.now(), inFlight: this.#active, status: 0, answeredAt: 0 };
    this.#arrivals.push(arrival);
    try {
      const res = await this.#deliver(key, text, this.#plans.next());
      arrival.status = res.status;
      arrival.answeredAt = Date.now();
      return res;
    } finally {
      this.#active -= 1;
      const left = (this.#inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(key, left);
      else this.#inFlight.delete(key);
    }
  }

  async #deliver(key: string, text: string, behaviour: Behaviour): Promise<Response> {
    switch (behaviour.kind) {
      case 'status': {
        this.#stats.failed += 1;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (behaviour.retryAfter !== undefined) headers['retry-after'] = behaviour.retryAfter;
        const body =
          behaviour.body ??
          JSON.stringify({
            error: { code: 'TEST_FAILURE', message: `test backend answers ${behaviour.status}` },
          });
        return new Response(body, { status: behaviour.status, headers });
      }
      case 'hang': {
        if (behaviour.store) this.#accept(key, text);
        else this.#stats.failed += 1;
        await this.#hang(behaviour.ms);
        return problem(503, 'RELEASED', 'hung request released');
      }
      case 'slow':
        await Bun.sleep(behaviour.delayMs);
        return this.#accept(key, text);
      case 'ok':
        return this.#accept(key, text);
    }
  }

  #hang(ms = 600_000): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    const timer = setTimeout(resolve, ms);
    const release = () => {
      clearTimeout(timer);
      resolve();
    };
    this.#hung.add(release);
    return promise.finally(() => this.#hung.delete(release));
  }

  #accept(key: string, text: string): Response {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return problem(400, 'BAD_JSON', 'body is not JSON');
    }
    const id = (parsed as { id?: unknown } | null)?.id;
    if (id !== key) return problem(422, 'KEY_MISMATCH', `Idempotency-Key ${key} does not match result id`);

    const hash = Bun.hash(text).toString(16);
    const existing = this.#results.get(key);
    if (existing) {
      existing.deliveries += 1;
      this.#stats.duplicates += 1;
      if (existing.hash !== hash) {
        this.#stats.duplicateResults += 1;
        return problem(422, 'IDEMPOTENCY_CONFLICT', `a different result is stored under ${key}`);
      }
      return Response.json({ id: key, status: 'duplicate' }, { status: 409 });
    }
    const stored: StoredResult & { hash: string } = {
      key,
      seq: this.#order.length,
      receivedAt: Date.now(),
      deliveries: 1,
      hash,
    };
    if (this.#opts.keepBodies !== false) stored.body = parsed;
    this.#results.set(key, stored);
    this.#order.push(key);
    this.#stats.results += 1;
    if (this.#opts.onResult) {
      const { hash: _hash, ...copy } = stored;
      this.#opts.onResult(copy);
    }
    return Response.json({ id: key, status: 'stored' }, { status: 201 });
  }
}

function problem(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}
