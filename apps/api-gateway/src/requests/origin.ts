// Cross-site request protection (ARCHITECTURE "Security defaults"): with auth off, any page open in the
// operator's browser could otherwise post to the station or read its event stream. A browser always says
// where a page came from in `Origin` on state-changing requests and WebSocket upgrades, so those must
// come from the station's own origin or an allowed one. No `Origin` at all is a tool (curl, a script),
// not a page, and passes: it cannot be made to act by a site the operator visits.
import { ApiError } from '../errors.ts';

/** Methods that only read; everything else changes state. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a request is a WebSocket upgrade (a GET a page can open to any host). */
export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

/** `scheme://host[:port]` of an origin, normalised as browsers send it, or undefined when it is not one. */
export function normaliseOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Decides which requests may change state or open the event stream, by their `Origin` header. */
export class OriginPolicy {
  readonly #allowed: ReadonlySet<string>;

  /** `allowed`: extra origins (`server.allowed_origins`), such as a UI served from another host. */
  constructor(allowed: readonly string[] = []) {
    this.#allowed = new Set(allowed.map((o) => normaliseOrigin(o) ?? o));
  }

  /** Throws 403 FORBIDDEN_ORIGIN for a state-changing request or upgrade from a foreign page. */
  check(request: Request): void {
    if (SAFE_METHODS.has(request.method) && !isWebSocketUpgrade(request)) return;
    const origin = request.headers.get('origin');
    if (origin === null) return;
    if (this.allows(origin, request)) return;
    throw new ApiError(
      'FORBIDDEN_ORIGIN',
      `requests from ${JSON.stringify(origin.slice(0, 200))} may not change this station or read its events; allow that origin in server.allowed_origins if it is yours`,
    );
  }

  /**
   * The station's own origin is the host the page was loaded from: the request's `Host` (what the
   * browser connected to), compared by host and port; `null` (sandboxed frames, files) never matches.
   */
  allows(origin: string, request: Request): boolean {
    const normal = normaliseOrigin(origin);
    if (normal === undefined) return false;
    if (this.#allowed.has(normal)) return true;
    const url = new URL(normal);
    const host = request.headers.get('host') ?? new URL(request.url).host;
    try {
      // Through the origin's scheme, so `host:80` and `host` are the same place for http.
      return new URL(`${url.protocol}//${host}`).host === url.host;
    } catch {
      return false;
    }
  }
}
