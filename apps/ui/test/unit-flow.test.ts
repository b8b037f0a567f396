// The operator's flow on a card in Chromium against a real station: scan a serial (a keyboard-wedge
// scanner types it and Enter), answer the sequence's prompts on the card, read THIS unit's verdict with
// the whole card coloured by it, then the next unit; on two slots at once, across a reload mid-prompt,
// and a crash that must read ERROR, never the previous unit's PASS.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { statSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { until } from '../../../tests/support/process.ts';
import { launchChromium, shotPath, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(90_000);

const API_KEY = 'unit-flow-key';
const SLOTS = `  - id: slot_1
    name: Slot 1 - unit checkout
    sequence_package: unit_checkout
    hardware: { unit: { driver: sim_unit } }
    auto_start: true
    restart: { policy: never }
  - id: slot_2
    name: Slot 2 - unit checkout
    sequence_package: unit_checkout
    hardware: { unit: { driver: sim_unit } }
    auto_start: true
    restart: { policy: never }`;

let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  station = await startUiStation(SLOTS, ['unit_checkout'], API_KEY);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  page.setDefaultTimeout(20_000);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
});

const card = (id: string): Locator => page.locator(`article[data-batch="${id}"]`);
const prompt = (id: string): Locator => card(id).getByTestId('prompt');

async function expectText(loc: Locator, text: string | RegExp, ms = 20_000): Promise<void> {
  await loc.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: ms });
}

/** Waits until the card shows the unit state (`ready`, `testing`, `pass`, `fail`, `error`, `aborted`). */
async function unitState(id: string, state: string): Promise<void> {
  try {
    await page.locator(`article[data-batch="${id}"][data-unit="${state}"]`).waitFor({ timeout: 20_000 });
  } catch (err) {
    const shown = await card(id)
      .getAttribute('data-unit', { timeout: 1000 })
      .catch(() => 'no card');
    throw new Error(
      `${id} shows unit state ${shown}, not ${state}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

/** Waits for a prompt whose message contains `text` on the card. */
async function asked(id: string, text: string): Promise<Locator> {
  await expectText(prompt(id).locator('.prompt-message'), text);
  return prompt(id);
}

/** Scans `serial` into the card's serial field as a keyboard-wedge scanner does: keystrokes, then Enter. */
async function scan(id: string, serial: string): Promise<void> {
  const field = card(id).getByTestId('serial');
  await field.click();
  await field.pressSequentially(`${serial}\n`);
}

const background = (id: string) => card(id).evaluate((el) => getComputedStyle(el).backgroundColor);

describe('the operator flow on a card', () => {
  test('scan -> prompts -> verdict -> next unit, on two slots at once', async () => {
    await page.goto(station!.base);
    const key = page.getByRole('dialog', { name: 'API key needed' });
    await key.getByLabel('API key').fill(API_KEY);
    await key.getByRole('button', { name: 'Continue' }).click();
    await unitState('slot_1', 'ready');
    await unitState('slot_2', 'ready');
    // Ready: the serial field has the focus, so the scanner's keystrokes land there.
    expect(
      await card('slot_1')
        .getByTestId('serial')
        .evaluate((e) => e === document.activeElement),
    ).toBe(true);

    // The first start of the session also asks who is testing; an empty serial starts nothing.
    await card('slot_1').getByLabel('Operator').fill('badge-0042');
    await card('slot_1').getByTestId('serial').press('Enter');
    await expectText(card('slot_1').getByRole('alert'), 'scan or type the serial number');
    await scan('slot_1', 'AB000001');
    await unitState('slot_1', 'testing');
    await expectText(card('slot_1').getByTestId('unit-now'), 'AB000001');
    // The operator is known now: the second slot asks only for the serial.
    expect(await card('slot_2').getByLabel('Operator').count()).toBe(0);
    await scan('slot_2', 'AB000002');
    await unitState('slot_2', 'testing');

    // Both slots wait for the operator at once. The package words this question in Korean too: a
    // Korean page asks it so, an English one as the step asks it (the package gives no English).
    await asked('slot_1', 'Insert the unit');
    await page.getByTestId('language').selectOption('ko');
    await asked('slot_1', '제품을 지그에 넣고 덮개를 닫으세요');
    await page.getByTestId('language').selectOption('en');
    await (await asked('slot_1', 'Insert the unit')).getByRole('button', { name: 'Yes' }).click();
    await (await asked('slot_2', 'Insert the unit')).getByRole('button', { name: 'Yes' }).click();
    const led2 = await asked('slot_2', 'POWER LED');
    expect(await led2.getByRole('button').allInnerTexts()).toEqual(['green', 'amber', 'red', 'off']);
    await led2.getByRole('button', { name: 'amber' }).click();
    await (await asked('slot_1', 'POWER LED')).getByRole('button', { name: 'green' }).click();

    // A text prompt answered by the scanner: keystrokes and Enter into the field that has the focus.
    const label = await asked('slot_1', 'Scan the serial label');
    await label.getByTestId('prompt-input').pressSequentially('AB000001\n');
    const meter = await asked('slot_1', 'Read test point TP1');
    await expectText(meter.locator('.prompt-unit'), 'V');
    await meter.getByTestId('prompt-input').fill('12');
    await meter.getByTestId('prompt-input').press('Enter');
    await expectText(meter.getByRole('alert'), 'at most 10');
    await meter.getByTestId('prompt-input').fill('3.31');
    await meter.getByTestId('prompt-input').press('Enter');

    // THIS unit's verdict, with its serial, the whole card in its colour.
    await unitState('slot_1', 'pass');
    await unitState('slot_2', 'fail');
    await expectText(card('slot_1').getByTestId('unit-verdict'), /PASS\s*unit AB000001/);
    await expectText(card('slot_2').getByTestId('unit-verdict'), /FAIL\s*unit AB000002/);
    expect([await background('slot_1'), await background('slot_2')]).toEqual([
      'rgb(12, 58, 32)',
      'rgb(74, 17, 17)',
    ]);
    expect(await prompt('slot_1').count()).toBe(0);
    // The progress bars have slid back to empty (a 0.3 s transition) before the picture is taken.
    for (const id of ['slot_1', 'slot_2']) {
      await until(
        () =>
          card(id)
            .locator('.progress .bar')
            .evaluate((el) => el.getBoundingClientRect().width === 0),
        `${id}'s empty progress bar`,
      );
    }
    const verdictShot = shotPath('unit-verdicts.png', station!.st.dir);
    await page.screenshot({ path: verdictShot, fullPage: true });
    expect(statSync(verdictShot).size).toBeGreaterThan(10_000);

    // Ready for the next unit beside the verdict; starting it clears the verdict at once.
    await scan('slot_2', 'AB000003');
    await unitState('slot_2', 'testing');
    expect(await card('slot_2').getByTestId('last-result').textContent()).not.toContain('FAIL');
    await expectText(card('slot_2').getByTestId('unit-now'), 'AB000003');
  });

  test('a prompt shows again after a reload mid-prompt and is answered there', async () => {
    await (await asked('slot_2', 'Insert the unit')).getByRole('button', { name: 'Yes' }).click();
    const led = await asked('slot_2', 'POWER LED');
    const id = await led.getAttribute('data-prompt');
    // The picture comes from the package's assets through the gateway (with the session's key).
    await until(
      () =>
        led
          .locator('img.prompt-image')
          .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
      'the prompt image',
    );
    const promptShot = shotPath('prompt.png', station!.st.dir);
    await page.screenshot({ path: promptShot, fullPage: true });
    expect(statSync(promptShot).size).toBeGreaterThan(10_000);

    await page.reload();
    const again = await asked('slot_2', 'POWER LED');
    expect(await again.getAttribute('data-prompt')).toBe(id);
    // The batch's own page shows the same prompt, and why manual control is locked meanwhile.
    await page.goto(`${station!.base}/batches/slot_2`);
    const onDetail = await asked('slot_2', 'POWER LED');
    expect(await onDetail.getAttribute('data-prompt')).toBe(id);
    await expectText(page.getByTestId('manual-locked'), 'waits for an answer to its prompt');
    await onDetail.getByRole('button', { name: 'green' }).click();
    await page.getByRole('link', { name: '← All batches' }).click();
    const label = await asked('slot_2', 'Scan the serial label');
    await label.getByTestId('prompt-input').fill('ab-1');
    await label.getByTestId('prompt-input').press('Enter');
    await expectText(label.getByRole('alert'), 'does not match');
    await label.getByTestId('prompt-input').fill('AB000003');
    await label.getByTestId('prompt-input').press('Enter');
    const meter = await asked('slot_2', 'Read test point TP1');
    await meter.getByTestId('prompt-input').fill('3.3');
    await meter.getByTestId('prompt-input').press('Enter');
    await unitState('slot_2', 'pass');
    await expectText(card('slot_2').getByTestId('unit-verdict'), /PASS\s*unit AB000003/);
  });

  test('the start form with parameters takes the serial too; an abort reads ABORTED for that unit', async () => {
    await unitState('slot_2', 'pass');
    await card('slot_2').getByRole('button', { name: 'Start sequence' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('rail_nominal').waitFor();
    await dialog.getByLabel('Serial number').fill('AB000009');
    await dialog.getByRole('button', { name: 'Start sequence' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expectText(card('slot_2').getByTestId('unit-now'), 'AB000009');
    await asked('slot_2', 'Insert the unit');
    await card('slot_2').getByRole('button', { name: 'Abort sequence' }).click();
    await card('slot_2').getByRole('button', { name: 'Abort test' }).click();
    await unitState('slot_2', 'aborted');
    await expectText(card('slot_2').getByTestId('unit-verdict'), /ABORTED\s*unit AB000009/);
    expect(await prompt('slot_2').count()).toBe(0);
  });

  test('a run that ends by a crash reads ERROR for its unit, never the previous PASS', async () => {
    await unitState('slot_1', 'pass');
    await scan('slot_1', 'AB000004');
    await asked('slot_1', 'Insert the unit');
    expect(await card('slot_1').getByTestId('last-result').textContent()).not.toContain('PASS');
    const [pid] = station!.pidsOf('--batch slot_1');
    process.kill(pid!, 'SIGKILL');
    await unitState('slot_1', 'error');
    await expectText(card('slot_1').getByTestId('unit-verdict'), 'ERROR');
    expect(await card('slot_1').getByTestId('last-result').textContent()).not.toContain('PASS');
    expect(await prompt('slot_1').count()).toBe(0);
    // A page opened afterwards reads the same from the store, once the supervisor has closed the run there.
    await until(async () => {
      const res = await fetch(`${station!.base}/api/results?batchId=slot_1&pageSize=1`, {
        headers: { 'x-api-key': API_KEY },
      });
      const page1 = (await res.json()) as { items: { status: string }[] };
      return page1.items[0]?.status === 'failed';
    }, 'the crashed run closed in the store');
    await page.reload();
    await unitState('slot_1', 'error');
  });

  test('a result shows what the operator was asked at each step, the answer, and who gave it', async () => {
    const res = await fetch(`${station!.base}/api/results?batchId=slot_1&pass=true`, {
      headers: { 'x-api-key': API_KEY },
    });
    const [first] = ((await res.json()) as { items: { id: string }[] }).items;
    await page.goto(`${station!.base}/results/${first!.id}`);
    const rows = page.locator('tr[data-prompt-record]');
    await rows.first().waitFor();
    const texts = (await rows.allInnerTexts()).map((t) => t.replace(/(— [^,]+), .*$/, '$1').trim());
    // Who answered (the bare API key of this station is named api-key-1, docs/api.md "Roles"), then when.
    expect(texts).toEqual([
      'Asked “Insert the unit into the fixture and close the lid. Done?”: yes — api-key-1',
      'Asked “What colour is the POWER LED?”: green — api-key-1',
      'Asked “Scan the serial label on the unit”: AB000001 — api-key-1',
      'Asked “Read test point TP1 (3.3 V rail) with the meter”: 3.31 V — api-key-1',
    ]);
  });

  test('results are found by serial prefix, and a result names its unit', async () => {
    await page.goto(`${station!.base}/results`);
    await page.locator('tr[data-result]').first().waitFor();
    await page.getByLabel('Serial', { exact: true }).fill('AB00000');
    await page.getByRole('button', { name: 'Filter' }).click();
    const serials = () => page.locator('tr[data-result] [data-testid="serial"]').allInnerTexts();
    await until(async () => (await serials()).length >= 2, 'the units of this session');
    expect((await serials()).every((s) => s.startsWith('AB00000'))).toBe(true);
    await page.getByLabel('Serial', { exact: true }).fill('AB000001');
    await page.getByRole('button', { name: 'Filter' }).click();
    await until(async () => (await serials()).every((s) => s === 'AB000001'), 'only unit AB000001');
    await page.locator('tr[data-result] a').first().click();
    await expectText(page.getByTestId('unit'), 'AB000001');
  });
});
