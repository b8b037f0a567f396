// The operator UI's files with SPA fallback, and the OpenAPI document at /api/docs.
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Harness, harness } from './support.ts';

let h: Harness | undefined;
let ui: string | undefined;
afterEach(async () => {
  await h?.[Symbol.asyncDispose]();
  if (ui) rmSync(ui, { recursive: true, force: true });
  h = undefined;
  ui = undefined;
});

const html = { accept: 'text/html,application/xhtml+xml' };

describe('static UI', () => {
  test('the placeholder page until the UI is built', async () => {
    h = await harness();
    const res = await h.req('GET', '/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('The operator UI is not built yet');
  });

  test('a configured folder: files, and index.html for UI paths a browser navigates to', async () => {
    ui = mkdtempSync(join(tmpdir(), 'gw-ui-'));
    mkdirSync(join(ui, 'assets'));
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>app</title><div id=app></div>');
    writeFileSync(join(ui, 'assets', 'app.js'), 'console.log("app")');
    h = await harness({ publicDir: ui });
    const root = await h.req('GET', '/');
    expect([root.status, await root.text()]).toEqual([
      200,
      '<!doctype html><title>app</title><div id=app></div>',
    ]);
    const js = await h.req('GET', '/assets/app.js');
    expect([js.status, await js.text()]).toEqual([200, 'console.log("app")']);
    const deep = await h.req('GET', '/batches/batch_1', { headers: html });
    expect([deep.status, deep.headers.get('content-type'), await deep.text()]).toEqual([
      200,
      'text/html; charset=utf-8',
      '<!doctype html><title>app</title><div id=app></div>',
    ]);
  });

  test('no fallback for API paths, missing assets, or clients that do not want HTML', async () => {
    h = await harness();
    const api = await h.req('GET', '/api/nothing', { headers: html });
    expect([api.status, await api.json()]).toEqual([
      404,
      { error: { code: 'NOT_FOUND', message: 'no route GET /api/nothing' } },
    ]);
    expect((await h.req('GET', '/assets/missing.js')).status).toBe(404);
    expect((await h.req('POST', '/batches', { headers: html })).status).toBe(404);
  });
});

describe('OpenAPI', () => {
  test('/api/docs/json documents every SPEC §3.1 route', async () => {
    h = await harness();
    const res = await h.req('GET', '/api/docs/json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      info: { title: string };
      paths: Record<string, object>;
    };
    expect(doc.info.title).toBe('Station Service API');
    const routes = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(routes).toEqual([
      'GET /api/batches',
      'GET /api/batches/{id}',
      'GET /api/batches/{id}/log',
      'GET /api/batches/{id}/sequence/version',
      'GET /api/results',
      'GET /api/results/{id}',
      'GET /api/results/{id}/export',
      'GET /api/sequences',
      'GET /api/sequences/{name}',
      'GET /api/sequences/{name}/assets/*',
      'GET /api/stats',
      'GET /api/stats/series',
      'GET /api/system/health',
      'GET /api/system/info',
      'GET /api/trends/{sequence}/{measurement}',
      'GET /api/units/{serialNumber}',
      'POST /api/auth/token',
      'POST /api/batches/{id}/acknowledge',
      'POST /api/batches/{id}/manual',
      'POST /api/batches/{id}/prompts/{promptId}',
      'POST /api/batches/{id}/restart',
      'POST /api/batches/{id}/sequence/start',
      'POST /api/batches/{id}/sequence/stop',
      'POST /api/batches/{id}/sequence/version',
      'POST /api/batches/{id}/start',
      'POST /api/batches/{id}/stop',
      'POST /api/sequences',
      'POST /api/system/sync',
    ]);
    // The bodies the gateway reads itself are documented all the same.
    const body = (path: string) =>
      (doc.paths[path] as { post: { requestBody: { required: boolean; content: object } } }).post.requestBody;
    expect(body('/api/batches/{id}/manual').required).toBe(true);
    expect(body('/api/batches/{id}/sequence/start')).toEqual({
      required: false,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: false,
            properties: {
              parameters: { type: 'object', patternProperties: { '^(.*)$': {} } },
              operator: { type: 'string', minLength: 1, maxLength: 64 },
              dut: {
                type: 'object',
                additionalProperties: false,
                required: ['serialNumber'],
                properties: {
                  serialNumber: {
                    type: 'string',
                    pattern: '^[\\x21-\\x7E]{1,64}$',
                    description: 'serial number: 1-64 printable ASCII characters, no spaces',
                  },
                  partNumber: { type: 'string', minLength: 1, maxLength: 64, description: 'part number' },
                  revision: { type: 'string', minLength: 1, maxLength: 64, description: 'hardware revision' },
                  lot: { type: 'string', minLength: 1, maxLength: 64, description: 'production lot' },
                },
              },
            },
          },
        },
      },
    });
  });

  test('/api/docs serves the reference page, with its viewer served locally (stations are offline)', async () => {
    h = await harness();
    const res = await h.req('GET', '/api/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(['/_docs/swagger-ui.css', '/_docs/swagger-ui-bundle.js']);
    for (const asset of assets) {
      const file = await h.req('GET', asset);
      expect(file.status).toBe(200);
      expect((await file.text()).length).toBeGreaterThan(10_000);
    }
  });
});
