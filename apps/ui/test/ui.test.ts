// The operator UI in Debian's Chromium against a real station: what an operator sees and clicks, from
// starting a batch to exporting a result, including failures, an abort, a crash and a dropped link.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync, statSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { until } from '../../../tests/support/process.ts';
import { BATCHES, launchChromium, shotPath, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(60_000);

const API_KEY = 'ui-test-key';

let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  station = await startUiStation(BATCHES, ['psu_functional', 'failure_paths'], API_KEY);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 }, acceptDownloads: true });
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
});

const card = (id: string): Locator => page.locator(`article[data-batch="${id}"]`);
const stepState = (name: string): Locator => page.locator(`li[data-step="${name}"]`);

async function expectText(loc: Locator, text: string | RegExp, ms = 15_000): Promise<void> {
  await loc.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: ms });
}

async function startProcess(id: string): Promise<void> {
  await card(id).getByRole('button', { name: 'Start process' }).click();
  await expectText(card(id).getByTestId('state'), 'Ready');
  // The scan form comes with the runner's package name, which may follow the Ready state by a moment.
  await card(id).getByRole('button', { name: 'Test unit' }).waitFor({ timeout: 15_000 });
}

async function openStartForm(id: string): Promise<Locator> {
  await card(id).getByRole('button', { name: 'Start sequence' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  // The fields come from the manifest once it has loaded.
  await dialog.locator('input, select').first().waitFor();
  return dialog;
}

describe('operator UI in Chromium', () => {
  test('with auth on, the page asks for the API key until it is right, then keeps it for the session', async () => {
    await page.goto(station!.base);
    const prompt = page.getByRole('dialog', { name: 'API key needed' });
    await prompt.getByLabel('API key').fill('not-the-key');
    await prompt.getByRole('button', { name: 'Continue' }).click();
    await expectText(prompt, 'The station refused the key');
    await prompt.getByLabel('API key').fill(API_KEY);
    await prompt.getByRole('button', { name: 'Continue' }).click();
    await expectText(page.getByTestId('link'), 'Live');
    await page.reload();
    await expectText(page.getByTestId('link'), 'Live');
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  test('the overview shows every batch, the station and a live link', async () => {
    await expectText(page.getByTestId('link'), 'Live');
    await expectText(page.getByTestId('station-name'), 'Test Station');
    await expectText(page.getByTestId('health'), 'healthy');
    expect(
      await page
        .locator('article[data-batch]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-batch'))),
    ).toEqual(['slot_1', 'slot_2', 'slot_3']);
    expect(await card('slot_1').getByTestId('state').textContent()).toBe('Stopped');
    // Only the legal button: an idle batch can be started, nothing else.
    expect(await card('slot_1').getByRole('button').allInnerTexts()).toEqual(['Start process']);
  });

  test('start a batch and a sequence from the UI; the form checks values and shows the server refusal', async () => {
    await startProcess('slot_1');
    expect(await card('slot_1').getByRole('button').allInnerTexts()).toEqual([
      'Test unit',
      'Start sequence',
      'Restart process',
      'Stop process',
    ]);
    const dialog = await openStartForm('slot_1');
    expect(await dialog.getByLabel('output_voltage').inputValue()).toBe('5');
    await expectText(dialog.locator('[data-field="output_voltage"] .hint'), '0 to 30 V');

    // Checked before sending: out of range and not a number.
    await dialog.getByLabel('output_voltage').fill('99');
    await dialog.getByLabel('settle_ms').fill('1.5');
    await dialog.getByRole('button', { name: 'Start sequence' }).click();
    await expectText(dialog.locator('[data-field="output_voltage"] .field-error'), 'out of range: 0 to 30 V');
    await expectText(dialog.locator('[data-field="settle_ms"] .field-error'), 'must be a whole number');
    // Nobody has identified yet: the form asks for a badge or an id before it sends anything.
    await expectText(
      dialog.locator('[data-field="operator"] .field-error'),
      'scan your badge or type your operator id',
    );
    // A badge scanner types the id and Enter: that moves on to the parameters, it starts nothing.
    await dialog.getByLabel('Operator').pressSequentially('badge-0042\n');
    expect(await dialog.getByLabel('output_voltage').evaluate((e) => e === document.activeElement)).toBe(
      true,
    );
    expect(await dialog.count()).toBe(1);

    // What the runner itself refuses lands next to the field: the body is altered on its way out so the
    // real runner sees a value the form would never send.
    await dialog.getByLabel('output_voltage').fill('5');
    await dialog.getByLabel('settle_ms').fill('1500');
    await page.route('**/api/batches/slot_1/sequence/start', (route) =>
      route.continue({ postData: JSON.stringify({ parameters: { output_voltage: 31 } }) }),
    );
    await dialog.getByRole('button', { name: 'Start sequence' }).click();
    await expectText(dialog.locator('[data-field="output_voltage"] .field-error'), 'out of range');
    await page.unroute('**/api/batches/slot_1/sequence/start');

    await dialog.getByRole('button', { name: 'Start sequence' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expectText(card('slot_1').getByTestId('state'), 'Testing');
    expect(await card('slot_1').getByRole('button').allInnerTexts()).toEqual(['Abort sequence']);
  });

  test('the detail page opened mid-run is right at once and follows the run to PASS', async () => {
    // The runner is held (SIGSTOP) inside set_output while the page loads, so a slow machine cannot
    // let the run pass the step before the page has shown it; it goes on at SIGCONT. The hold is short
    // next to the supervisor's hung-runner limit (5 missed 1 s heartbeats).
    const running = await until(async () => {
      const res = await fetch(`${station!.base}/api/batches/slot_1`, { headers: { 'x-api-key': API_KEY } });
      const b = (await res.json()) as { currentStep?: string; pid?: number };
      return b.currentStep === 'set_output' && b.pid ? b.pid : undefined;
    }, 'slot_1 in set_output');
    process.kill(running, 'SIGSTOP');
    try {
      // A fresh page load (as a second screen would do), straight onto the batch's address.
      await page.goto(`${station!.base}/batches/slot_1`);
      await expectText(stepState('initialize'), 'Passed');
      await expectText(stepState('set_output'), 'Running');
      expect(await stepState('measure_ripple').getAttribute('data-state')).toBe('pending');
    } finally {
      process.kill(running, 'SIGCONT');
    }
    const bar = card('slot_1').getByRole('progressbar');
    await until(async () => Number(await bar.getAttribute('aria-valuenow')) > 0, 'progress above 0 %');
    await expectText(page.getByTestId('manual-locked'), 'A sequence is running');
    expect(await page.getByRole('button', { name: 'Run command' }).isDisabled()).toBe(true);

    await expectText(card('slot_1').getByTestId('last-result'), 'PASS');
    // Today's count and first-pass yield of the slot (GET /api/stats), refreshed as the run ends.
    await expectText(card('slot_1').getByTestId('slot-yield'), '1 unit · FPY 100.0 %');
    for (const s of [
      'initialize',
      'set_output',
      'measure_voltage',
      'measure_current',
      'measure_ripple',
      'cleanup',
    ])
      expect(await stepState(s).getAttribute('data-state')).toBe('passed');
    const row = stepState('measure_voltage').locator('tr[data-measurement="voltage_error"]');
    expect(await row.locator('td').allInnerTexts()).toEqual(['voltage_error', '0 %', '-1 … 1 %', 'PASS']);
    await expectText(page.getByTestId('log'), 'output on at 5 V');
    // Log times read on the page's local clock, like every other time it shows (format.test.ts pins a zone).
    const stamp = page.getByTestId('log').locator('time').first();
    const local = await stamp.evaluate((t) =>
      new Date(t.getAttribute('datetime') ?? '').toLocaleTimeString(undefined, { hour12: false }),
    );
    expect(await stamp.textContent()).toBe(local);
  });

  test('manual control runs a command with parameters and shows the answer at once', async () => {
    await page.getByTestId('manual-locked').waitFor({ state: 'detached' });
    await page
      .getByLabel('Command')
      .selectOption({ label: 'psu · set_voltage — Set the output voltage setpoint' });
    await page.getByLabel('voltage').fill('-1');
    await page.getByRole('button', { name: 'Run command' }).click();
    await expectText(page.locator('[data-field="voltage"] .field-error'), 'out of range');
    await page.getByLabel('voltage').fill('3.3');
    await page.getByRole('button', { name: 'Run command' }).click();
    await expectText(page.getByTestId('manual-result'), 'psu.set_voltage');
    await page
      .getByLabel('Command')
      .selectOption({ label: 'psu · get_state — Setpoints, output state and regulation mode (cv, cc, off)' });
    await page.getByRole('button', { name: 'Run command' }).click();
    await expectText(page.getByTestId('manual-result'), '"setpoint":3.3');
    const detailShot = shotPath('detail.png', station!.st.dir);
    await page.screenshot({ path: detailShot, fullPage: true });
    expect(statSync(detailShot).size).toBeGreaterThan(10_000);
  });

  test('abort stops a running sequence and the card says so', async () => {
    await page.getByRole('link', { name: '← All batches' }).click();
    const dialog = await openStartForm('slot_1');
    // The longest settle the package allows: set_output stays running long enough to be aborted.
    await dialog.getByLabel('settle_ms').fill('2000');
    await dialog.getByRole('button', { name: 'Start sequence' }).click();
    await expectText(card('slot_1').getByTestId('step'), 'set_output');
    await card('slot_1').getByRole('button', { name: 'Abort sequence' }).click();
    await card('slot_1').getByRole('button', { name: 'Abort test' }).click();
    await expectText(card('slot_1').getByTestId('last-result'), 'ABORTED');
    expect(await card('slot_1').getByTestId('state').textContent()).toBe('Ready');
    expect(await card('slot_1').getByRole('button').allInnerTexts()).toEqual([
      'Test unit',
      'Start sequence',
      'Restart process',
      'Stop process',
    ]);
    // The operator asked for it: no fault banner.
    expect(await card('slot_1').getByTestId('batch-error').count()).toBe(0);
  });

  test('Restart process gives the batch a new runner and leaves it ready to test (BR-006)', async () => {
    const [before] = station!.pidsOf('--batch slot_1');
    expect(before).toBeGreaterThan(0);
    await card('slot_1').getByRole('button', { name: 'Restart process' }).click();
    const [after] = await until(() => {
      const pids = station!.pidsOf('--batch slot_1');
      return pids.length === 1 && pids[0] !== before ? pids : undefined;
    }, 'a new runner for slot_1');
    await expectText(card('slot_1').getByTestId('state'), 'Ready');
    expect(await card('slot_1').getByRole('button').allInnerTexts()).toEqual([
      'Test unit',
      'Start sequence',
      'Restart process',
      'Stop process',
    ]);
    const status = (await (
      await fetch(`${station!.base}/api/batches/slot_1`, { headers: { 'x-api-key': API_KEY } })
    ).json()) as { status: string; pid: number };
    expect({ status: status.status, pid: status.pid }).toEqual({ status: 'running', pid: after! });
    expect(await card('slot_1').getByTestId('batch-error').count()).toBe(0);
  });

  test('a limit failure reads FAIL with the failing measurement against its limits', async () => {
    await startProcess('slot_2');
    const dialog = await openStartForm('slot_2');
    await dialog.getByLabel('path').selectOption('limit_failure');
    await dialog.getByRole('button', { name: 'Start sequence' }).click();
    await expectText(card('slot_2').getByTestId('last-result'), 'FAIL');
    await expectText(card('slot_2').getByTestId('slot-yield'), '1 unit · FPY 0.0 %');
    await expectText(page.getByTestId('yield'), /Today: \d+ units · FPY \d+\.\d %/);
    await card('slot_2').getByRole('link').first().click();
    expect(await stepState('limit_check').getAttribute('data-state')).toBe('failed');
    const row = stepState('limit_check').locator('tr[data-measurement="dut_voltage"]');
    expect(await row.locator('td').allInnerTexts()).toEqual(['dut_voltage', '6 V', '4.9 … 5.1 V', 'FAIL']);
    expect(await stepState('cleanup').getAttribute('data-state')).toBe('passed');
  });

  test('a hardware error is shown prominently with its message', async () => {
    await page.getByRole('link', { name: '← All batches' }).click();
    const dialog = await openStartForm('slot_2');
    await dialog.getByLabel('path').selectOption('hardware_error');
    await dialog.getByRole('button', { name: 'Start sequence' }).click();
    await expectText(card('slot_2').getByTestId('batch-error'), 'HARDWARE_ERROR');
    await expectText(card('slot_2').getByTestId('last-result'), 'FAIL');
  });

  test('a killed runner shows the crash on its card', async () => {
    await startProcess('slot_3');
    const [pid] = await until(() => {
      const pids = station!.pidsOf('--batch slot_3');
      return pids.length ? pids : undefined;
    }, 'the runner of slot_3');
    process.kill(pid!, 'SIGKILL');
    await expectText(card('slot_3').getByTestId('state'), 'Error');
    await expectText(card('slot_3').getByTestId('batch-error'), 'BATCH_CRASHED');
    expect(await card('slot_3').getByRole('button').allInnerTexts()).toEqual(['Start process']);
    const overviewShot = shotPath('overview.png', station!.st.dir);
    await page.screenshot({ path: overviewShot, fullPage: true });
    expect(statSync(overviewShot).size).toBeGreaterThan(10_000);
  });

  test('results: filter by result, batch and date range, open one, export CSV', async () => {
    await page.getByRole('link', { name: 'Results' }).click();
    await page.locator('tr[data-result]').first().waitFor();
    await page.getByLabel('Result', { exact: true }).selectOption('false');
    await page.getByLabel('Batch', { exact: true }).selectOption('slot_2');
    await page.getByRole('button', { name: 'Filter' }).click();
    await until(
      async () => (await page.locator('.pager').textContent())?.includes('2 results'),
      'two failed results',
    );
    expect(await page.locator('tr[data-result] .verdict').allInnerTexts()).toEqual(['FAIL', 'FAIL']);
    // A date range that starts tomorrow holds none of them; today's holds both.
    const day = (offset: number) => {
      const d = new Date(Date.now() + offset * 86_400_000);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    };
    await page.getByLabel('From', { exact: true }).fill(day(1));
    await page.getByRole('button', { name: 'Filter' }).click();
    await expectText(page.locator('section'), 'No results match.');
    await page.getByLabel('From', { exact: true }).fill(day(0));
    await page.getByLabel('To', { exact: true }).fill(day(0));
    await page.getByRole('button', { name: 'Filter' }).click();
    await until(async () => (await page.locator('tr[data-result]').count()) === 2, 'today, failed, slot_2');
    // Newest first: the hardware error run, then the limit failure; open the limit failure.
    // Every run records who started it: the badge scanned once this session.
    expect(await page.locator('tr[data-result] [data-testid="operator"]').allInnerTexts()).toEqual([
      'badge-0042',
      'badge-0042',
    ]);
    await page.locator('tr[data-result] a').nth(1).click();
    await expectText(page.locator('tr', { hasText: 'dut_voltage' }), '4.9 … 5.1 V');
    expect(await page.locator('dd[data-testid="operator"]').textContent()).toBe('badge-0042');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    const csv = readFileSync((await file.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['execution_id', 'batch_id', 'sequence_name']);
    expect(lines.some((l) => l.includes(',limit_check,') && l.includes(',dut_voltage,6,V,4.9,5.1,'))).toBe(
      true,
    );
    expect(file.suggestedFilename()).toMatch(/^exec_.*\.csv$/);

    // No Backend here (offline mode): every result waits in the sync queue, and "Sync now" says so.
    const results = (await (
      await fetch(`${station!.base}/api/results`, { headers: { 'x-api-key': API_KEY } })
    ).json()) as {
      total: number;
    };
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expectText(page.getByTestId('sync-queue'), `sent 0, ${results.total} waiting`);
    await expectText(page.getByTestId('sync-queue'), `Sync queue: ${results.total}`);
    await expectText(page.getByTestId('backend'), 'offline mode');
  });

  test('a dropped link shows "Reconnecting" and comes back live with the state intact', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    const [gateway] = station!.pidsOf('apps/api-gateway/src/main.ts');
    process.kill(gateway!, 'SIGKILL');
    await expectText(page.getByTestId('link'), 'Reconnecting');
    // The launcher restarts the gateway; the page resubscribes and gets the snapshot again.
    await expectText(page.getByTestId('link'), 'Live', 30_000);
    expect(await card('slot_3').getByTestId('state').textContent()).toBe('Error');
    expect(await card('slot_2').getByTestId('last-result').textContent()).toContain('FAIL');
  });
});
