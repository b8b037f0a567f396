// A web page of another origin, open in the operator's Chromium, tries what any site could: start a
// sequence with its own parameters (a text/plain fetch, which needs no CORS permission), stop a batch with
// a form post, and read the live events over a WebSocket. Against the real gateway process (with the
// real broker and a station fixture writing the real store), none of it changes the station or reads an
// event; the same page from an origin in server.allowed_origins does get the events.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type FixtureProcess, spawnFixture, until } from '../../../tests/support/process.ts';
import { REPO } from '../../../tests/support/station.ts';
import { launchChromium } from './station.ts';

setDefaultTimeout(60_000);

const BROKER = join(REPO, 'packages/bus/test/broker-fixture.ts');
const STATION = join(REPO, 'apps/api-gateway/test/station-fixture.ts');
const GATEWAY = join(REPO, 'apps/api-gateway/src/main.ts');

/** What the page did, as it reports it in `window.result`. */
interface PageResult {
  done: boolean;
  fetch: string;
  form: string;
  ws: { opened: boolean; closed: boolean; messages: { type: string }[] };
}

declare global {
  interface Window {
    result: PageResult;
  }
}

/** The attacking page: the station's address comes in the query string. */
const PAGE = `<!doctype html><title>another site</title><body>
<iframe name="sink"></iframe>
<script>
const station = new URL(location.href).searchParams.get('station');
window.result = { done: false, fetch: 'pending', form: 'pending', ws: { opened: false, closed: false, messages: [] } };
window.addEventListener('load', async () => {
  try {
    // A string body goes as text/plain: a "simple" request the browser sends without asking anyone.
    await fetch(station + '/api/batches/batch_1/sequence/start', {
      method: 'POST', mode: 'no-cors', body: JSON.stringify({ parameters: { output_voltage: 99 } }),
    });
    window.result.fetch = 'sent';
  } catch (err) {
    window.result.fetch = 'failed: ' + err;
  }
  await new Promise((resolve) => {
    document.querySelector('iframe').addEventListener('load', resolve, { once: true });
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = station + '/api/batches/batch_1/stop';
    form.target = 'sink';
    const field = document.createElement('input');
    field.name = 'confirm';
    field.value = 'yes';
    form.append(field);
    document.body.append(form);
    form.submit();
  });
  window.result.form = 'sent';
  await new Promise((resolve) => {
    const ws = new WebSocket(station.replace('http', 'ws') + '/ws');
    ws.onopen = () => {
      window.result.ws.opened = true;
      ws.send(JSON.stringify({ type: 'subscribe', batch_ids: ['batch_1'] }));
      resolve();
    };
    ws.onmessage = (e) => window.result.ws.messages.push(JSON.parse(e.data));
    ws.onclose = () => {
      window.result.ws.closed = true;
      resolve();
    };
  });
  window.result.done = true;
});
</script>`;

let dir: string;
let procs: FixtureProcess[] = [];
let pages: ReturnType<typeof Bun.serve>[] = [];
let browser: Browser | undefined;
let base: string;
let evil: string;
let trusted: string;

/** A page server on its own port: a second origin on this machine. */
function pageServer(): string {
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } }),
  });
  pages.push(server);
  return `http://127.0.0.1:${server.port}`;
}

async function api(path: string, method = 'GET'): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, { method });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-xorigin-'));
  mkdirSync(join(dir, 'sequences'));
  evil = pageServer();
  trusted = pageServer();
  const sock = (name: string) => `ipc://${join(dir, `${name}.sock`)}`;
  const [bus, evIn, evOut] = [sock('bus'), sock('in'), sock('out')];
  writeFileSync(
    join(dir, 'station.yaml'),
    [
      'station: { id: xo, name: Cross-origin Station }',
      `server: { host: 127.0.0.1, port: 0, allowed_origins: ["${trusted}"] }`,
      'paths: { data_dir: ./data, sequences_dir: ./sequences }',
      `ipc: { service_bus: "${bus}", event_pub: "${evIn}", event_sub: "${evOut}" }`,
      'batches:',
      '  - { id: batch_1, name: Slot 1, sequence_package: psu_functional }',
    ].join('\n'),
  );
  const broker = spawnFixture(BROKER, [bus, evIn, evOut, '200']);
  procs.push(broker);
  await broker.waitFor('READY');
  const station = spawnFixture(STATION, [bus, evIn, join(dir, 'data', 'station.db')]);
  procs.push(station);
  await station.waitFor('READY');
  const gateway = spawnFixture(GATEWAY, ['--config', join(dir, 'station.yaml')]);
  procs.push(gateway);
  const line = await gateway.waitFor('gateway listening', 20_000);
  base = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  await until(async () => (await api('/api/system/health')).status === 200, 'a healthy station', 15_000, 50);
  // A batch that runs, so that a stop getting through would show.
  expect((await api('/api/batches/batch_1/start', 'POST')).status).toBe(200);
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  for (const p of procs.reverse()) await p.kill('SIGKILL');
  for (const s of pages) s.stop(true);
  rmSync(dir, { recursive: true, force: true });
  procs = [];
  pages = [];
});

async function attackFrom(origin: string): Promise<{ page: Page; result: PageResult }> {
  const page = await browser!.newPage();
  await page.goto(`${origin}/?station=${encodeURIComponent(base)}`);
  await page.waitForFunction(() => window.result.done, undefined, {
    timeout: 20_000,
  });
  return { page, result: await page.evaluate(() => window.result) };
}

let evilPage: Page;
let trustedPage: Page;

test('a foreign page can neither start a sequence, nor stop the batch, nor open the event stream', async () => {
  const { page, result } = await attackFrom(evil);
  evilPage = page;
  // The browser did send both requests (a refusal is the station's, not the browser's).
  expect(result).toEqual({
    done: true,
    fetch: 'sent',
    form: 'sent',
    ws: { opened: false, closed: true, messages: [] },
  });
  const batch = (await api('/api/batches/batch_1')).body as { status: string; sequenceRunning?: boolean };
  expect(batch.status).toBe('running');
  expect(await api('/api/results')).toEqual({
    status: 200,
    body: { items: [], total: 0, page: 1, pageSize: 50 },
  });
});

test('the same page from an allowed origin gets the events, but still cannot post text or forms', async () => {
  const { page, result } = await attackFrom(trusted);
  trustedPage = page;
  expect({ fetch: result.fetch, form: result.form, opened: result.ws.opened }).toEqual({
    fetch: 'sent',
    form: 'sent',
    opened: true,
  });
  await until(
    () => page.evaluate(() => window.result.ws.messages.length >= 2),
    'the snapshot and the subscribe ack',
  );
  // A text/plain or form body is 415 from any origin: still no sequence, the batch still runs.
  expect(((await api('/api/batches/batch_1')).body as { status: string }).status).toBe('running');
  expect(((await api('/api/results')).body as { total: number }).total).toBe(0);
});

test('events of a sequence started the proper way reach the allowed page and never the foreign one', async () => {
  const res = await fetch(`${base}/api/batches/batch_1/sequence/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ parameters: { output_voltage: 5 } }),
  });
  expect(res.status).toBe(200);
  const types = () => trustedPage.evaluate(() => window.result.ws.messages.map((m) => m.type));
  await until(
    async () => (await types()).includes('sequence_complete'),
    'sequence_complete on the allowed page',
  );
  expect(await evilPage.evaluate(() => window.result.ws)).toEqual({
    opened: false,
    closed: true,
    messages: [],
  });
  expect(((await api('/api/results')).body as { total: number }).total).toBe(1);
});
