// REST calls to the gateway: JSON in and out, the session's API key attached, error bodies kept whole.

const KEY = 'station.apiKey';

/** The API key the operator typed this session (sessionStorage: gone when the tab closes). */
export function apiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

/** One field problem from a 422 `details.errors` entry. */
export interface FieldError {
  path: string;
  message: string;
}

/** A failed call: the gateway's `{ error: { code, message, details? } }`, or NETWORK when unreachable. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** The 422 field errors, keyed by JSON-pointer path (`/parameters/output_voltage`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    const errors = (this.details as { errors?: FieldError[] } | undefined)?.errors;
    for (const e of errors ?? []) out[e.path] = out[e.path] ? `${out[e.path]}; ${e.message}` : e.message;
    return out;
  }
}

/** Listeners told when a call answers 401, so the page can ask for the key again. */
const unauthorized = new Set<() => void>();
export function onUnauthorized(fn: () => void): () => void {
  unauthorized.add(fn);
  return () => unauthorized.delete(fn);
}

function headers(json: boolean): HeadersInit {
  const h: Record<string, string> = { accept: 'application/json' };
  if (json) h['content-type'] = 'application/json';
  const key = apiKey();
  if (key) h['x-api-key'] = key;
  return h;
}

/** Calls `/api${path}` and returns the parsed body, or throws ApiError. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', 'the station does not answer', undefined, { cause: err });
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (res.ok) return parsed as T;
  // /api/system/health answers 503 with a full body when the station is unhealthy: that is data.
  if (res.status === 503 && path === '/system/health' && parsed) return parsed as T;
  if (res.status === 401) for (const fn of unauthorized) fn();
  const err = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  throw new ApiError(
    res.status,
    err?.code ?? `HTTP_${res.status}`,
    err?.message ?? res.statusText,
    err?.details,
  );
}

/**
 * Signs a local user in (`POST /api/auth/token`) and keeps the token as this session's credential.
 * Resolves with null, or the words to show: a wrong name or password, or a station without sign-in.
 */
export async function signIn(name: string, password: string): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch('/api/auth/token', {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ name, password }),
    });
  } catch {
    return 'the station does not answer';
  }
  const body = (await res.json().catch(() => null)) as {
    token?: string;
    error?: { message?: string };
  } | null;
  if (res.ok && body?.token) {
    setApiKey(body.token);
    return null;
  }
  if (res.status === 404) return 'this station has no sign-in; use an API key';
  return body?.error?.message ?? `sign-in failed (${res.status})`;
}

/** Downloads an export with the key header (a plain link cannot carry it) and saves it as a file. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(`/api${path}`, { headers: headers(false) });
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, `export failed (${res.status})`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
