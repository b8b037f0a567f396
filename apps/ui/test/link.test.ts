// A half-open link (issue 17): the page and the gateway exchange heartbeats over the WebSocket, so a
// link that goes silent without closing is shown as lost within 5 s, the cards dim while the page
// reconnects, and it comes back by itself. The silence is real: a TCP proxy between Chromium and the
// gateway stops forwarding without closing anything, so requests hang as they do on a pulled cable.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { until } from '../../../tests/support/process.ts';
import { type PausableProxy, pausableProxy } from './pausable-proxy.ts';
import { BATCHES, launchChromium, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(120_000);

let station: UiStation | undefined;
let proxy: PausableProxy | undefined;
let browser: Browser | undefined;
let page: Page;
/** Pongs the page received from the gateway, counted from the WebSocket frames Chromium saw. */
let pongs = 0;

beforeAll(async () => {
  station = await startUiStation(BATCHES, ['psu_functional', 'failure_paths']);
  proxy = pausableProxy(Number(new URL(station.base).port));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
  page.setDefaultTimeout(30_000);
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => {
      if (typeof f.payload === 'string' && f.payload.startsWith('{"type":"pong"')) pongs += 1;
    });
  });
  await page.goto(`http://127.0.0.1:${proxy.port}/`);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await proxy?.[Symbol.asyncDispose]();
  await station?.[Symbol.asyncDispose]();
});

const indicator = () => page.getByTestId('link');

/** Records (page clock) every change of the link indicator's text from now on. */
async function watchIndicator(): Promise<number> {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid="link"]');
    const seen: { at: number; text: string }[] = [];
    (window as unknown as { linkChanges: typeof seen }).linkChanges = seen;
    new MutationObserver(() => seen.push({ at: performance.now(), text: el?.textContent ?? '' })).observe(
      el as Node,
      { subtree: true, childList: true, characterData: true },
    );
    return performance.now();
  });
}

const changes = () =>
  page.evaluate(() => (window as unknown as { linkChanges: { at: number; text: string }[] }).linkChanges);

test('the page pings and the gateway answers: an idle, healthy link stays Live', async () => {
  await indicator().filter({ hasText: 'Live' }).waitFor();
  await page.locator('article[data-batch]').first().waitFor();
  await watchIndicator();
  const before = pongs;
  // Five answered pings (one a second) is longer than the 3.5 s silence that counts as a dead link.
  await until(() => pongs >= before + 5, 'five pongs from the gateway', 30_000, 100);
  expect(await changes()).toEqual([]);
  expect(await indicator().textContent()).toBe('Live');
});

test('a silent link is shown as lost within 5 s, the cards dim, and it recovers by itself', async () => {
  const cards = page.locator('article[data-batch]');
  const count = await cards.count();
  expect(count).toBe(3);
  const pausedAt = await watchIndicator();
  proxy!.pause();
  await indicator().filter({ hasText: 'Reconnecting' }).waitFor({ timeout: 30_000 });
  const lost = (await changes()).find((c) => !c.text.startsWith('Live'));
  expect(lost).toBeDefined();
  // Measured on the page's own clock from the moment the link went silent.
  const noticedMs = lost!.at - pausedAt;
  console.log(`half-open link noticed after ${Math.round(noticedMs)} ms`);
  expect(noticedMs).toBeLessThan(5000);

  // Every card dims (and says it is not current) while the page reconnects.
  await until(
    async () => (await page.locator('article[data-batch].link-lost[aria-busy="true"]').count()) === count,
    'every card dimmed',
  );
  const filter = await cards.first().evaluate((el) => getComputedStyle(el).filter);
  expect(filter).toContain('grayscale');

  // The reconnect attempts hang on the silent proxy too: still not Live while it stays silent.
  const attempts = proxy!.accepted;
  await until(() => proxy!.accepted > attempts, 'a reconnect attempt through the silent link', 30_000, 100);
  expect(await indicator().textContent()).not.toBe('Live');

  proxy!.resume();
  await indicator().filter({ hasText: 'Live' }).waitFor({ timeout: 30_000 });
  await until(async () => (await page.locator('article.link-lost').count()) === 0, 'the cards lit again');
  expect(await cards.first().evaluate((el) => getComputedStyle(el).filter)).toBe('none');
  // The station answers through the link again.
  expect(await page.evaluate(async () => (await fetch('/api/batches')).status)).toBe(200);
});
