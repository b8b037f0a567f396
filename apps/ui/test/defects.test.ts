// Defects found by use (issue 17), each as the operator meets it: abort asks first, the start dialog keeps
// the keyboard and closes on Escape even when the station does not answer, and the results filter offers
// the slots by the names on their cards.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { BATCHES, closeUi, openUi, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(120_000);

let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  ({ station, browser, page } = await openUi(() =>
    startUiStation(BATCHES, ['psu_functional', 'failure_paths']),
  ));
});
afterAll(() => closeUi(station, browser));

const card = (id: string): Locator => page.locator(`article[data-batch="${id}"]`);

async function expectText(loc: Locator, text: string | RegExp): Promise<void> {
  await loc.filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

async function startSlot(id: string): Promise<void> {
  await card(id).getByRole('button', { name: 'Start process' }).click();
  await expectText(card(id).getByTestId('state'), 'Ready');
}

test('abort asks first: "Keep testing" leaves the run alone, "Abort test" ends it as ABORTED', async () => {
  await startSlot('slot_1');
  const started = await fetch(`${station!.base}/api/batches/slot_1/sequence/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ parameters: { settle_ms: 2000 }, dut: { serialNumber: 'SN-ABORT-1' } }),
  });
  expect(started.status).toBe(200);
  await expectText(card('slot_1').getByTestId('step'), 'set_output');
  await card('slot_1').getByRole('button', { name: 'Abort sequence' }).click();
  const confirm = card('slot_1').getByTestId('confirm-abort');
  await expectText(confirm, 'Abort the test on Slot 1 - PSU functional?');
  // The safe answer has the focus: Enter keeps testing.
  await page.keyboard.press('Enter');
  await confirm.waitFor({ state: 'detached' });
  expect(await card('slot_1').getByTestId('state').textContent()).toBe('Testing');
  await card('slot_1').getByRole('button', { name: 'Abort sequence' }).click();
  await card('slot_1').getByRole('button', { name: 'Abort test' }).click();
  await expectText(card('slot_1').getByTestId('unit-verdict'), 'ABORTED');
});

test('the start dialog keeps Tab inside and closes on Escape while the station has not answered', async () => {
  await startSlot('slot_3');
  // The station never answers the form's requests: fields stay disabled, "Loading parameters…" stays.
  await page.route('**/api/sequences/**', () => undefined);
  await card('slot_3').getByRole('button', { name: 'Start sequence' }).click();
  const dialog = page.getByRole('dialog');
  await expectText(dialog, 'Loading parameters…');
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Shift+Tab');
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  // Focus on the page body (a click on the backdrop) does not keep Escape from closing it.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.unroute('**/api/sequences/**');
  // The focus went back to the button that opened it.
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Start sequence');
});

test('the results filter offers the slots by name and finds the runs of the one chosen', async () => {
  await page.getByRole('link', { name: 'Results' }).click();
  const batch = page.getByLabel('Batch');
  expect(await batch.locator('option').allInnerTexts()).toEqual([
    'any',
    'Slot 1 - PSU functional',
    'Slot 2 - failure paths',
    'Slot 3 - PSU functional',
  ]);
  await batch.selectOption({ label: 'Slot 1 - PSU functional' });
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/batchId=slot_1/);
  await page.locator('tr[data-result]').first().waitFor();
  const batches = await page.locator('tr[data-result] td:nth-child(2)').allInnerTexts();
  expect(batches.length).toBeGreaterThan(0);
  expect(new Set(batches)).toEqual(new Set(['slot_1']));
});

test('a phone (390x844) scrolls no page sideways, and every card shows its badge and verdict', async () => {
  const phone = await browser!.newPage({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
  try {
    for (const path of ['/', '/results', '/batches/slot_1']) {
      await phone.goto(`${station!.base}${path}`);
      await phone.locator('main').first().waitFor();
      await phone.getByTestId('link').filter({ hasText: 'Live' }).waitFor();
      const widths = await phone.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        view: window.innerWidth,
      }));
      expect({ path, ...widths, scroll: Math.min(widths.scroll, widths.view + 1) }).toEqual({
        path,
        ...widths,
        scroll: widths.view,
      });
    }
    await phone.goto(station!.base);
    for (const id of ['slot_1', 'slot_2', 'slot_3']) {
      for (const part of ['state', 'last-result']) {
        const box = await phone.locator(`article[data-batch="${id}"]`).getByTestId(part).boundingBox();
        expect(box).not.toBeNull();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      }
    }
  } finally {
    await phone.close();
  }
});

test("the step an abort cut short reads Interrupted on the aborted run's result, not Failed", async () => {
  const res = await fetch(`${station!.base}/api/results?batchId=slot_1&pageSize=1`);
  const page1 = (await res.json()) as { items: { id: string; status: string }[] };
  const run = page1.items[0]!;
  expect(run.status).toBe('stopped');
  await page.goto(`${station!.base}/results/${run.id}`);
  const row = page.locator('table.results tbody tr').filter({ hasText: 'set_output' }).first();
  await expectText(row, 'Interrupted');
  expect(await row.textContent()).not.toContain('Failed');
});

test('a retried step says how many attempts it took', async () => {
  await page.goto(station!.base);
  await startSlot('slot_2');
  const started = await fetch(`${station!.base}/api/batches/slot_2/sequence/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ parameters: { path: 'retry' } }),
  });
  expect(started.status).toBe(200);
  const { executionId } = (await started.json()) as { executionId: string };
  await expectText(card('slot_2').getByTestId('last-result'), 'PASS');
  await page.goto(`${station!.base}/results/${executionId}`);
  const row = page.locator('table.results tbody tr').filter({ hasText: 'flaky_step' }).first();
  await expectText(row, 'Passed (2 attempts)');
});
