// The operator UI's files at `/` (@elysiajs/static), and the single-page-app fallback: a browser that
// opens /batches/batch_1 directly gets index.html, while unknown API paths keep their JSON 404.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staticPlugin } from '@elysiajs/static';
import { Elysia } from 'elysia';

/** apps/api-gateway/public: the placeholder page until the UI is built into it. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url));

const NOT_UI = /^\/(api|ws|metrics)(\/|$)/;

/** The static file routes for `dir` (an empty app when the folder does not exist). */
export async function uiRoutes(dir = DEFAULT_PUBLIC_DIR) {
  const root = resolve(dir);
  if (!existsSync(root)) return new Elysia({ name: 'ui' });
  return staticPlugin({
    assets: root,
    prefix: '/',
    silent: true,
    // index.html must not be cached: a new UI build has to reach operators' screens at once.
    maxAge: 0,
    directive: 'no-cache',
    detail: { hide: true },
  });
}

/**
 * A function that answers a browser's navigation to a UI path with index.html, or returns undefined
 * (API, WebSocket and metrics paths, non-GET requests, and requests that do not accept HTML).
 */
export async function spaFallback(
  dir = DEFAULT_PUBLIC_DIR,
): Promise<(request: Request) => Response | undefined> {
  const index = join(resolve(dir), 'index.html');
  const exists = existsSync(index);
  return (request) => {
    if (!exists || (request.method !== 'GET' && request.method !== 'HEAD')) return undefined;
    const url = new URL(request.url);
    if (NOT_UI.test(url.pathname)) return undefined;
    const accept = request.headers.get('accept') ?? '';
    // Asset requests (scripts, images) for missing files stay 404 so a broken build is visible.
    if (!accept.includes('text/html')) return undefined;
    return new Response(Bun.file(index), {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
    });
  };
}
