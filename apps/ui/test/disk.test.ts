// The operator UI when the data folder's disk is full: every batch card says so, with the reason, and a
// start is refused with STORAGE_LOW shown where the operator asked. The "full" disk is a real reading:
// storage.min_free_mb is set above any disk's free space.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { BATCHES, launchChromium, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(60_000);

let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  station = await startUiStation(
    BATCHES,
    ['psu_functional', 'failure_paths'],
    undefined,
    undefined,
    // 100 TB: no test machine has that much free, so the reading is "low" on every disk.
    'storage: { min_free_mb: 100000000, warn_free_mb: 100000000 }',
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
});

test('every card warns that the disk is full and new tests are refused, and a start says STORAGE_LOW', async () => {
  await page.goto(station!.base);
  const cards = page.locator('article[data-batch]');
  await cards.first().waitFor();
  const warnings = page.getByTestId('storage');
  await warnings.nth(2).waitFor();
  expect(await cards.count()).toBe(3);
  for (const text of await warnings.allTextContents()) {
    expect(text).toStartWith('Disk full: new tests refused');
    expect(text).toContain('needed to start a sequence (storage.min_free_mb)');
  }

  const slot = page.locator('article[data-batch="slot_1"]');
  await slot.getByRole('button', { name: 'Start process' }).click();
  await slot.getByRole('button', { name: 'Start sequence' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('input, select').first().waitFor();
  await dialog.getByLabel('Operator').fill('op-7');
  await dialog.getByRole('button', { name: 'Start sequence' }).click();
  const refusal = dialog.getByRole('alert');
  await refusal.waitFor();
  expect(await refusal.textContent()).toContain('new starts are refused until space is freed');
});
