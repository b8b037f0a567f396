// The UI in the operator's language: station.yaml `ui.language: ko` opens it in Korean (words, verdict,
// the Hangul font shipped with the station), the switcher on the page changes it at once, and the
// choice outlives a reload.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(120_000);

let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  station = await startUiStation(
    `  - id: slot_1
    name: Slot 1
    sequence_package: psu_functional
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    restart: { policy: never }`,
    ['psu_functional'],
    undefined,
    undefined,
    'ui: { language: ko }',
  );
  browser = await launchChromium();
  // An English browser: the station's setting wins over it until the operator chooses.
  page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
});

const card = (): Locator => page.locator('article[data-batch="slot_1"]');

async function expectText(loc: Locator, text: string | RegExp): Promise<void> {
  await loc.filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

test('station.yaml ui.language ko: the page, a whole unit test and its verdict read in Korean', async () => {
  await page.goto(station!.base);
  await expectText(page.getByRole('navigation'), '현황');
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('ko');
  expect(await card().getByTestId('state').textContent()).toBe('정지');
  await card().getByRole('button', { name: '공정 시작' }).click();
  await expectText(card().getByTestId('state'), '대기');
  await page.getByLabel('작업자').fill('op-7');
  await card().getByLabel('시리얼 번호').fill('SN-KO-1');
  await card().getByRole('button', { name: '검사 시작' }).click();
  await expectText(card().getByTestId('unit-verdict'), '합격');
  await expectText(card().getByTestId('unit-verdict'), '제품 SN-KO-1');
  expect(await card().getAttribute('data-unit')).toBe('pass');
  await expectText(page.getByTestId('yield'), /오늘: 1대 · 직행률 100\.0%/);
});

test('the Hangul font comes from the station, not the internet', async () => {
  const faces = await page.evaluate(async () => {
    const loaded = await document.fonts.load('700 16px "Noto Sans KR"', '합격');
    return loaded.map((f) => f.status);
  });
  expect(faces.length).toBeGreaterThan(0);
  expect(faces.every((s) => s === 'loaded')).toBe(true);
});

test('the switcher changes the language at once, and the choice outlives a reload', async () => {
  await page.getByTestId('language').selectOption('en');
  await expectText(page.getByRole('navigation'), 'Overview');
  await expectText(card().getByTestId('state'), 'Ready');
  await expectText(card().getByTestId('unit-verdict'), 'PASS');
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
  await page.reload();
  await expectText(page.getByRole('navigation'), 'Results');
  expect(await card().getByRole('button').allInnerTexts()).toContain('Test unit');
  await page.getByTestId('language').selectOption('ko');
  await expectText(page.getByRole('navigation'), '검사 결과');
});

test("the package's own names replace ids in the start form and the step lists, per language", async () => {
  // Korean from the previous test.
  await card().getByRole('button', { name: '시퀀스 시작' }).click();
  const dialog = page.getByRole('dialog');
  await expectText(dialog, '안정화 시간');
  await expectText(dialog.locator('[data-field="output_voltage"] label'), '출력 전압');
  await dialog.getByRole('button', { name: '취소' }).click();
  await card().getByRole('link', { name: 'Slot 1' }).click();
  await expectText(page.locator('li[data-step="set_output"] .step-name'), '출력 설정');
  // English: the package names its parameters in English too, its steps only in Korean (the id shows).
  await page.getByTestId('language').selectOption('en');
  await expectText(page.locator('li[data-step="set_output"] .step-name'), 'set_output');
  await page.getByRole('link', { name: 'Overview' }).click();
  await card().getByRole('button', { name: 'Start sequence' }).click();
  await expectText(page.getByRole('dialog').locator('[data-field="settle_ms"] label'), 'Settle time');
  await page.keyboard.press('Escape');
});
