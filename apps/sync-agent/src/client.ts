// The Backend contract's HTTP side (ARCHITECTURE.md "Backend contract"): POST one ExecutionResult, GET the
// health endpoint. It reports what happened on the wire and nothing more; classify.ts decides what that
// means for the queue.
import { redactText } from '@station/log';
import { describe } from './errors.ts';

/** Where and how to reach the Backend. */
export interface BackendEndpoint {
  /** `backend.url`, without a trailing slash or with one. */
  url: string;
  apiKey?: string;
  /** Per request, answer body included. */
  timeoutMs: number;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** What one delivery attempt produced, before any judgement. */
export type Delivery =
  | { kind: 'answer'; status: number; retryAfter: string | null; excerpt: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'network'; message: string }
  /** Cancelled by our own shutdown: nothing is known about whether the Backend got it. */
  | { kind: 'aborted' };

/** Longest slice of a Backend answer we keep (queue row, status, logs). */
export const EXCERPT_CHARS = 300;

const RESULTS_PATH = '/api/v1/results';
const HEALTH_PATH = '/api/health';

/**
 * Sends one result. `body` is the ExecutionResult JSON; its execution id is the Idempotency-Key, so a
 * re-send after a lost answer is recognised by the Backend as the same result.
 */
export async function postResult(
  endpoint: BackendEndpoint,
  executionId: string,
  body: string,
  signal?: AbortSignal,
): Promise<Delivery> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'idempotency-key': executionId,
  };
  if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
  return exchange(endpoint, RESULTS_PATH, { method: 'POST', headers, body }, signal);
}

/** Asks the Backend whether it is there; `ok` when it answers below 500 (reachable and not unavailable). */
export async function probeHealth(
  endpoint: BackendEndpoint,
  signal?: AbortSignal,
): Promise<{ ok: boolean; detail: string }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
  const d = await exchange(endpoint, HEALTH_PATH, { method: 'GET', headers }, signal);
  if (d.kind === 'answer') return { ok: d.status < 500, detail: `HTTP ${d.status}` };
  return { ok: false, detail: describeDelivery(d) };
}

/** One line for logs and `last_error`, e.g. `HTTP 503: {"error":...}` or `timeout after 10000 ms`. */
export function describeDelivery(d: Delivery): string {
  switch (d.kind) {
    case 'answer':
      return d.excerpt ? `HTTP ${d.status}: ${d.excerpt}` : `HTTP ${d.status}`;
    case 'timeout':
      return `timeout after ${d.timeoutMs} ms`;
    case 'network':
      return `network error: ${d.message}`;
    case 'aborted':
      return 'aborted by shutdown';
  }
}

async function exchange(
  endpoint: BackendEndpoint,
  path: string,
  init: RequestInit,
  signal?: AbortSignal,
): Promise<Delivery> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), endpoint.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
  const doFetch = endpoint.fetch ?? fetch;
  try {
    const res = await doFetch(joinUrl(endpoint.url, path), { ...init, signal: combined, redirect: 'manual' });
    // The body counts against the same timeout: a Backend that sends headers then stalls is still stalled.
    const text = await res.text();
    return {
      kind: 'answer',
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      excerpt: excerpt(text),
    };
  } catch (err) {
    if (signal?.aborted) return { kind: 'aborted' };
    if (timeout.signal.aborted) return { kind: 'timeout', timeoutMs: endpoint.timeoutMs };
    return { kind: 'network', message: redactText(describe(err)) };
  } finally {
    clearTimeout(timer);
  }
}

function excerpt(text: string): string {
  // A Backend may echo the request back (headers included): no secret may land in our store or logs. Scrub
  // before cutting, so a secret across the cut cannot survive as a prefix.
  const flat = redactText(text.replace(/\s+/g, ' ').trim());
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
