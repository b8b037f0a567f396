// Who is calling (SPEC §7, ARCHITECTURE "Security defaults"): which paths need a credential, where one
// may be carried, API keys compared in constant time, signed tokens (JWT) verified; each caller gets a
// name and a role. What a role may do is roles.ts.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role, StationConfig } from '@station/config';
import { ApiError } from './errors.ts';
import { type TokenVerifier, verifierOf } from './tokens.ts';

/** A caller the gateway has recognised. */
export interface Identity {
  /** The key's `name` (or `api-key-<n>`), or the token's subject. */
  name: string;
  role: Role;
  /** How the caller proved it: an API key, or a signed token (then `name` is a person's sign-in). */
  via: 'api_key' | 'jwt';
}

/** One accepted API key with the identity it grants. */
export interface KeyEntry {
  key: string;
  name: string;
  role: Role;
}

/** The keys of `server.auth.api_keys`: a key without a role is admin (as every key was before roles). */
export function keyEntries(keys: StationConfig['server']['auth']['api_keys']): KeyEntry[] {
  return keys.map((k, i) =>
    typeof k === 'string'
      ? { key: k, name: `api-key-${i + 1}`, role: 'admin' }
      : { key: k.key, name: k.name ?? `api-key-${i + 1}`, role: k.role ?? 'admin' },
  );
}

/** Compares keys through their SHA-256 digests: equal lengths for timingSafeEqual whatever was sent. */
export class KeyChecker {
  readonly #entries: { digest: Buffer; entry: KeyEntry }[];

  constructor(keys: readonly (string | KeyEntry)[]) {
    this.#entries = keys.map((k, i) => {
      const entry: KeyEntry = typeof k === 'string' ? { key: k, name: `api-key-${i + 1}`, role: 'admin' } : k;
      return { digest: digest(entry.key), entry };
    });
  }

  /** The entry `candidate` is; every key is compared, so the time says nothing about which matched. */
  match(candidate: string): KeyEntry | undefined {
    const d = digest(candidate);
    let found: KeyEntry | undefined;
    for (const { digest: k, entry } of this.#entries) if (timingSafeEqual(k, d)) found ??= entry;
    return found;
  }

  /** Whether `candidate` is one of the keys. */
  accepts(candidate: string): boolean {
    return this.match(candidate) !== undefined;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Paths open to everyone: the health check (probes, the launcher) and signing in. */
const OPEN_PATHS = new Set(['/api/system/health', '/api/auth/token']);

/** Whether a path needs a credential: the API, metrics and WebSocket; the UI's files and OPEN_PATHS do not. */
export function needsKey(path: string): boolean {
  if (OPEN_PATHS.has(path)) return false;
  return path === '/api' || path.startsWith('/api/') || path === '/metrics' || path === '/ws';
}

/**
 * The credential a request carries: `X-API-Key`, or `Authorization: Bearer` (a key or a token), or
 * (WebSocket only, since browsers cannot set headers on an upgrade) the `api_key` query parameter.
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

/** A JWS compact serialisation: three base64url parts. API keys are never read as tokens. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Recognises callers from `server.auth`; `undefined` when auth is off (everyone may do everything). */
export class Authenticator {
  readonly #keys: KeyChecker;
  readonly #tokens: TokenVerifier | undefined;

  constructor(auth: StationConfig['server']['auth'], now: () => number) {
    this.#keys = new KeyChecker(keyEntries(auth.api_keys));
    this.#tokens = auth.type === 'jwt' ? verifierOf(auth, now) : undefined;
  }

  /** The caller of `request`, or throws 401. Never puts the credential in the error. */
  async identify(request: Request, path: string): Promise<Identity> {
    const presented = presentedKey(request, path);
    if (presented === undefined) {
      throw new ApiError(
        'UNAUTHORIZED',
        this.#tokens
          ? 'a credential is required (X-API-Key, or Authorization: Bearer with a key or token)'
          : 'an API key is required (X-API-Key or Authorization: Bearer)',
      );
    }
    if (this.#tokens && JWT_SHAPE.test(presented)) return this.#tokens.verify(presented);
    const entry = this.#keys.match(presented);
    if (!entry) throw new ApiError('UNAUTHORIZED', 'the API key is not valid');
    return { name: entry.name, role: entry.role, via: 'api_key' };
  }
}
