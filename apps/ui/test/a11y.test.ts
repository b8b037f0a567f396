// An automated accessibility check of every screen (issue 17): axe-core, injected into the page Chromium
// shows, on the demo station's mid-shift scene with auth on, in Korean and English: the key prompt, the
// overview with an open operator prompt, the abort question, the start dialog, a slot's page, the
// yield and trend charts, the versions page, the results and a stored result. A serious or critical violation fails the test, named with its elements.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { keepPromptOpen, setScene, startDemoStation } from './demo.ts';
import { launchChromium, type UiStation } from './station.ts';

setDefaultTimeout(180_000);

const API_KEY = 'a11y-key';
let station: UiStation | undefined;
let browser: Browser | undefined;
let failedRun = '';

beforeAll(async () => {
  station = await startDemoStation(6, API_KEY);
  await setScene(station, API_KEY);
  const res = await fetch(`${station.base}/api/results?pass=false&pageSize=1`, {
    headers: { 'x-api-key': API_KEY },
  });
  failedRun = ((await res.json()) as { items: { id: string }[] }).items[0]?.id ?? '';
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
});

interface Finding {
  rule: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** axe's serious and critical findings on the page as it is now. */
async function violations(page: Page): Promise<Finding[]> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axe.source });
  const found = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document, {
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      rule: v.id,
      impact: v.impact ?? 'unknown',
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`.slice(0, 300)),
    }));
  });
  return found.filter((f) => f.impact === 'serious' || f.impact === 'critical');
}

/** Checks the screen and names it in the failure. */
async function check(page: Page, screen: string): Promise<void> {
  expect({ screen, violations: await violations(page) }).toEqual({ screen, violations: [] });
}

describe.each(['ko', 'en'] as const)('in %s, axe finds no serious or critical violation', (language) => {
  let page: Page;
  const live = () => page.locator('[data-testid="link"].link-live').waitFor();

  beforeAll(async () => {
    page = await browser!.newPage({
      viewport: { width: 1366, height: 768 },
      locale: language === 'ko' ? 'ko-KR' : 'en-US',
    });
    page.setDefaultTimeout(30_000);
  });
  afterAll(() => page.close());

  test('the key prompt', async () => {
    await page.goto(station!.base);
    const key = page.getByRole('dialog').locator('#api-key');
    await key.waitFor();
    const found = await violations(page);
    await key.fill(API_KEY);
    await key.press('Enter');
    await live();
    expect({ screen: 'key prompt', violations: found }).toEqual({ screen: 'key prompt', violations: [] });
  });

  test('the overview, with an operator prompt open on a card', async () => {
    await keepPromptOpen(station!, API_KEY);
    await page.locator('article[data-batch="batch_4"] [data-testid="prompt"]').waitFor();
    await check(page, 'overview');
  });

  test('the abort question', async () => {
    const card = page.locator('article[data-batch="batch_4"]');
    await card.locator('.card-actions .btn.stop').click();
    await card.getByTestId('confirm-abort').waitFor();
    await check(page, 'abort question');
    // The focused answer keeps testing.
    await page.keyboard.press('Enter');
    await card.getByTestId('confirm-abort').waitFor({ state: 'detached' });
  });

  test('the start dialog', async () => {
    await page.locator('article[data-batch="batch_2"] .card-actions .btn.go').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input').first().waitFor();
    await check(page, 'start dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  test("a slot's page while it waits for the operator, and one between runs", async () => {
    await keepPromptOpen(station!, API_KEY);
    await page.goto(`${station!.base}/batches/batch_4`);
    await live();
    await page.locator('[data-testid="prompt"]').waitFor();
    await page.locator('[data-testid="steps"] li').first().waitFor();
    await check(page, 'detail with a prompt');
    await page.goto(`${station!.base}/batches/batch_1`);
    await live();
    await page.locator('[data-testid="steps"] li').first().waitFor();
    await check(page, 'detail between runs');
  });

  test('the yield and trend charts', async () => {
    await page.goto(`${station!.base}/yield`);
    await live();
    await page.locator('main .uplot').first().waitFor();
    await check(page, 'yield');
    await page.goto(`${station!.base}/trends?sequence=psu_functional&measurement=output_voltage`);
    await live();
    await page.locator('main .uplot').first().waitFor();
    await check(page, 'trends');
  });

  test('the versions page', async () => {
    await page.goto(`${station!.base}/versions`);
    await live();
    await page.locator('main h1').waitFor();
    await page.locator('main .version-slots li').first().waitFor();
    await check(page, 'versions');
  });

  test('the results and a stored result', async () => {
    await page.goto(`${station!.base}/results`);
    await live();
    await page.locator('tr[data-result]').first().waitFor();
    await check(page, 'results');
    await page.goto(`${station!.base}/results/${failedRun}`);
    await live();
    await page.locator('table.results').waitFor();
    await check(page, 'result detail');
  });
});
