// Roles in the operator UI, in Chromium against a real station with signed tokens: a local user signs in
// with name and password, starts a test recorded under their name, and is refused what their role lacks.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(60_000);

const PASSWORD = 'night shift 7';
const SECRET = 'ui-signin-test-secret-0123456789abcdefghijklmnop';

let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  // Cheap bcrypt for the test; a station's hashes use the defaults.
  const hash = await Bun.password.hash(PASSWORD, { algorithm: 'bcrypt', cost: 4 });
  station = await startUiStation(
    `  - id: slot_1
    name: Slot 1
    sequence_package: psu_functional
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    auto_start: true
    parameters: { settle_ms: 0 }`,
    ['psu_functional'],
    undefined,
    `{ enabled: true, type: jwt, jwt_secret: ${SECRET}, users: [{ name: alice, password_hash: "${hash}", role: operator }] }`,
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
});

const card = (id: string): Locator => page.locator(`article[data-batch="${id}"]`);

async function expectText(loc: Locator, text: string | RegExp, ms = 15_000): Promise<void> {
  await loc.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: ms });
}

describe('signing in with a role', () => {
  test('a wrong password is refused; the right one signs the operator in', async () => {
    await page.goto(station!.base);
    const prompt = page.getByRole('dialog', { name: 'API key needed' });
    await prompt.getByLabel('Name').fill('alice');
    await prompt.getByLabel('Password').fill('not it');
    await prompt.getByRole('button', { name: 'Sign in' }).click();
    await expectText(prompt.getByRole('alert'), 'the name or the password is wrong');
    await prompt.getByLabel('Password').fill(PASSWORD);
    await prompt.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByTestId('link'), 'Live');
    await expectText(card('slot_1').getByTestId('state'), 'Ready');
  });

  test("what an operator's role lacks is refused with the role it needs", async () => {
    await card('slot_1').getByRole('button', { name: 'Restart process' }).click();
    await expectText(
      card('slot_1').getByRole('alert'),
      'FORBIDDEN: POST /api/batches/:id/restart needs role engineer or higher; alice has role operator',
    );
  });

  test('the test runs under the signed-in name, not asked again, and the result says so', async () => {
    await card('slot_1').getByRole('button', { name: 'Start sequence' }).click();
    const dialog = page.getByRole('dialog', { name: /Start psu_functional/ });
    const operator = dialog.getByLabel('Operator');
    expect(await operator.inputValue()).toBe('alice');
    expect(await operator.getAttribute('readonly')).not.toBeNull();
    await dialog.getByLabel('output_voltage').waitFor();
    await dialog.getByRole('button', { name: 'Start sequence' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expectText(card('slot_1').getByTestId('last-result'), 'PASS', 30_000);
    await page.getByRole('link', { name: 'Results' }).click();
    await page.locator('tr[data-result]').first().waitFor();
    expect(await page.locator('tr[data-result] [data-testid="operator"]').allInnerTexts()).toEqual(['alice']);
  });
});
