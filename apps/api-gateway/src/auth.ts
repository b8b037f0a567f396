// API-key authentication (SPEC §7, ARCHITECTURE "Security defaults"): which paths need a key, where a key
// may be carried, and a comparison whose time does not depend on how much of a key was right.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.ts';

/** Compares keys through their SHA-256 digests: equal lengths for timingSafeEqual whatever was sent. */
export class KeyChecker {
  readonly #digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.#digests = keys.map(digest);
  }

  /** Whether `candidate` is one of the keys; every key is compared, so the time says nothing about which. */
  accepts(candidate: string): boolean {
    const d = digest(candidate);
    let match = false;
    for (const k of this.#digests) match = timingSafeEqual(k, d) || match;
    return match;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Whether a path needs a key: the API, metrics and WebSocket; the UI's files and the health check do not. */
export function needsKey(path: string): boolean {
  if (path === '/api/system/health') return false;
  return path === '/api' || path.startsWith('/api/') || path === '/metrics' || path === '/ws';
}

/**
 * The key a request carries: `X-API-Key`, or `Authorization: Bearer`, or (WebSocket only, since browsers
 * cannot set headers on an upgrade) the `api_key` query parameter.
 */
export function presentedKey(request: Request, path: string): string | undefined {
  const header = request.headers.get('x-api-key');
  if (header) return header;
  const auth = request.headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m?.[1]) return m[1];
  }
  if (path === '/ws') {
    const q = new URL(request.url).searchParams.get('api_key');
    if (q) return q;
  }
  return undefined;
}

/** Throws 401 unless the request may proceed; never puts the key in the error. */
export function authorize(checker: KeyChecker, request: Request, path: string): void {
  if (!needsKey(path)) return;
  const key = presentedKey(request, path);
  if (key === undefined) {
    throw new ApiError('UNAUTHORIZED', 401, 'an API key is required (X-API-Key or Authorization: Bearer)');
  }
  if (!checker.accepts(key)) throw new ApiError('UNAUTHORIZED', 401, 'the API key is not valid');
}
