// The API reference page's script and stylesheet, served from the swagger-ui-dist package: a station is
// often offline, so /api/docs must not load its viewer from a CDN.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Elysia } from 'elysia';

/** Where the viewer's files are served; outside /api so that <script> tags need no API key. */
export const DOCS_ASSETS = '/_docs';

const dir = dirname(fileURLToPath(import.meta.resolve('swagger-ui-dist/package.json')));
const FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

/** Routes for the viewer's files, cached for a day (they change only with the package version). */
export function docsAssets() {
  const app = new Elysia({ name: 'docs-assets' });
  for (const [file, type] of Object.entries(FILES)) {
    app.get(
      `${DOCS_ASSETS}/${file}`,
      () =>
        new Response(Bun.file(join(dir, file)), {
          headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' },
        }),
      { detail: { hide: true } },
    );
  }
  return app;
}

/** Options for the OpenAPI plugin's viewer so that it loads the local files. */
export const swaggerViewer = {
  provider: 'swagger-ui' as const,
  swagger: { cdn: `${DOCS_ASSETS}/swagger-ui-bundle.js`, theme: `${DOCS_ASSETS}/swagger-ui.css` },
};
