// Defects found by use (issue 17), the rest, each as an operator or engineer meets it on a real station:
// a card that claims Ready before it can take a unit; a crash that leaves a stale banner, a detail page
// still "Running" and two verdicts; a detail page opened fresh that knows nothing of the last run; log
// times on the UTC clock; progress counted in steps and clocks ticking once a second; text too faint.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { until } from '../../../tests/support/process.ts';
import { closeUi, openUi, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(180_000);

/** slot_1 is restarted by its policy after a crash (as on a line); slot_2 gives a FAIL. */
const BATCHES = `  - id: slot_1
    name: Slot 1 - PSU functional
    sequence_package: psu_functional
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    restart: { policy: on-failure, backoff_base: 200ms, backoff_cap: 1s }
  - id: slot_2
    name: Slot 2 - failure paths
    sequence_package: failure_paths
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm }, relay: { driver: sim_relay } }
    restart: { policy: never }`;

const STEPS = ['initialize', 'set_output', 'measure_voltage', 'measure_current', 'measure_ripple', 'cleanup'];

let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  ({ station, browser, page } = await openUi(() =>
    startUiStation(BATCHES, ['psu_functional', 'failure_paths']),
  ));
});
afterAll(() => closeUi(station, browser));

const card = (id: string, p: Page = page): Locator => p.locator(`article[data-batch="${id}"]`);
const step = (name: string, p: Page = page): Locator => p.locator(`li[data-step="${name}"]`);

async function expectText(loc: Locator, text: string | RegExp): Promise<void> {
  await loc.filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

async function startRun(id: string, body: object): Promise<string> {
  const res = await fetch(`${station!.base}/api/batches/${id}/sequence/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { executionId: string }).executionId;
}

/** Every step's shown state on the detail page, in order. */
async function stepStates(p: Page = page): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const name of STEPS) out[name] = await step(name, p).getAttribute('data-state');
  return out;
}

const CRASHED = {
  initialize: 'passed',
  set_output: 'interrupted',
  measure_voltage: 'skipped',
  measure_current: 'skipped',
  measure_ripple: 'skipped',
  cleanup: 'skipped',
};

test('a card says Ready only once it can take a unit: never without its scan form', async () => {
  await expectText(card('slot_1').getByTestId('state'), 'Stopped');
  // Every state the card shows from here on, with whether the scan form is there at that moment.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { slot1: string[] }).slot1 = seen;
    const look = () => {
      const el = document.querySelector('article[data-batch="slot_1"]');
      const badge = el?.querySelector('[data-testid="state"]')?.textContent ?? '';
      const form = [...(el?.querySelectorAll('button') ?? [])].some((b) => b.textContent === 'Test unit');
      const last = `${badge}|${form ? 'form' : 'no form'}`;
      if (seen.at(-1) !== last) seen.push(last);
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
    look();
  });
  await card('slot_1').getByRole('button', { name: 'Start process' }).click();
  await card('slot_1').getByRole('button', { name: 'Test unit' }).waitFor();
  const seen = await page.evaluate(() => (window as unknown as { slot1: string[] }).slot1);
  expect(seen[0]).toBe('Stopped|no form');
  expect(seen.at(-1)).toBe('Ready|form');
  expect(seen.filter((s) => s === 'Ready|no form')).toEqual([]);
});

test('a crash: the step in flight reads Interrupted, the card and the results agree on ERROR, a fresh page too', async () => {
  await page.goto(`${station!.base}/batches/slot_1`);
  await card('slot_1').getByRole('button', { name: 'Test unit' }).waitFor();
  const [pid] = station!.pidsOf('--batch slot_1');
  await startRun('slot_1', { parameters: { settle_ms: 2000 }, dut: { serialNumber: 'SN-CRASH-1' } });
  await step('set_output').and(page.locator('[data-state="running"]')).waitFor();
  // Killed while set_output holds the output for its 2 s.
  process.kill(pid!, 'SIGKILL');
  await expectText(card('slot_1').getByTestId('batch-error'), 'BATCH_CRASHED');
  await expectText(card('slot_1').getByTestId('unit-verdict'), 'ERROR');
  // The detail page shows how the run really ended: not "Running", not "Pending".
  await until(async () => (await step('cleanup').getAttribute('data-state')) === 'skipped', 'the stored end');
  expect(await stepStates()).toEqual(CRASHED);
  expect(await step('set_output').locator('.step-state').textContent()).toBe('Interrupted');

  // The policy restarts the runner; a page opened fresh after that shows the same run, the same way.
  await until(() => {
    const pids = station!.pidsOf('--batch slot_1');
    return pids.length === 1 && pids[0] !== pid;
  }, 'a new runner for slot_1');
  await expectText(card('slot_1').getByTestId('state'), 'Ready');
  await page.reload();
  await until(async () => (await step('cleanup').getAttribute('data-state')) === 'skipped', 'the stored end');
  expect(await stepStates()).toEqual(CRASHED);
  await expectText(card('slot_1').getByTestId('unit-verdict'), 'ERROR');
  // Not tested since the crash: the banner is still news.
  await expectText(card('slot_1').getByTestId('batch-error'), 'BATCH_CRASHED');

  // The results list and the run's own page say what the card says.
  await page.goto(`${station!.base}/results?batchId=slot_1`);
  const row = page.locator('tr[data-result]').first();
  await expectText(row.locator('.verdict'), 'ERROR');
  await row.locator('a').first().click();
  await expectText(page.locator('.result-head .verdict'), 'ERROR');
  await expectText(
    page.locator('table.results tbody tr').filter({ hasText: 'set_output' }).first(),
    'Interrupted',
  );
});

test('the next run of the slot clears the crash banner, as it clears a step timeout', async () => {
  await page.goto(`${station!.base}/batches/slot_1`);
  await card('slot_1').getByRole('button', { name: 'Test unit' }).waitFor();
  await startRun('slot_1', { parameters: { settle_ms: 2000 }, dut: { serialNumber: 'SN-AFTER-1' } });
  // Manual control is locked while a sequence runs: its disabled button stays readable (WCAG AA).
  await step('set_output').and(page.locator('[data-state="running"]')).waitFor();
  const locked = page.getByRole('button', { name: 'Run command' });
  expect(await locked.isDisabled()).toBe(true);
  expect(await contrastOf(locked, locked)).toBeGreaterThanOrEqual(4.5);
  await expectText(card('slot_1').getByTestId('unit-verdict'), 'PASS');
  expect(await card('slot_1').getByTestId('batch-error').count()).toBe(0);
  await page.goto(station!.base);
});

test('progress goes by time and the step clock moves smoothly (a past run weighs the steps)', async () => {
  await card('slot_1').getByRole('button', { name: 'Test unit' }).waitFor();
  // What the card shows while set_output (2 s of the run's ~2.1 s) runs: its clock and the bar.
  await page.evaluate(() => {
    const seen = { clock: [] as string[], pct: [] as number[], during: [] as number[] };
    (window as unknown as { run: typeof seen }).run = seen;
    new MutationObserver(() => {
      const el = document.querySelector('article[data-batch="slot_1"]');
      const bar = el?.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow');
      if (bar === null || bar === undefined) return;
      const pct = Number(bar);
      if (seen.pct.at(-1) !== pct) seen.pct.push(pct);
      if (!el?.querySelector('[data-testid="step"]')?.textContent?.includes('set_output')) return;
      seen.during.push(pct);
      const clock = el.querySelector('[data-testid="step-elapsed"]')?.textContent ?? '';
      if (clock && seen.clock.at(-1) !== clock) seen.clock.push(clock);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await startRun('slot_1', { parameters: { settle_ms: 2000 }, dut: { serialNumber: 'SN-TIME-1' } });
  await expectText(card('slot_1').getByTestId('step'), 'set_output');
  // The contrast of the progress text on the filled bar, while there is one.
  const onBar = await contrastOf(
    card('slot_1').locator('.progress span'),
    card('slot_1').locator('.progress .bar'),
  );
  await expectText(card('slot_1').getByTestId('unit-verdict'), 'PASS');
  const run = await page.evaluate(
    () => (window as unknown as { run: { clock: string[]; pct: number[]; during: number[] } }).run,
  );
  console.log(
    `set_output: ${run.clock.length} clock values (${run.clock.slice(0, 4).join(', ')}, …), bar ${run.pct.join(' ')}`,
  );
  // Ticking once a second would show at most three values in 2 s; tenths show many more.
  expect(run.clock.length).toBeGreaterThanOrEqual(6);
  expect(run.clock.every((c) => /^ · \d+\.\d s$/.test(c))).toBe(true);
  // Counting steps, set_output is 1/6 = 17 % done until it ends; by time it is most of the run.
  expect(Math.max(...run.during)).toBeGreaterThanOrEqual(50);
  // The bar never goes back.
  expect(run.pct).toEqual([...run.pct].sort((a, b) => a - b));
  expect(onBar).toBeGreaterThanOrEqual(4.5);
});

test('a detail page opened fresh shows the last run and the recent log, times on the local clock, in Korean', async () => {
  const ctx = await browser!.newContext({
    viewport: { width: 1366, height: 900 },
    locale: 'ko-KR',
    timezoneId: 'Asia/Seoul',
  });
  try {
    const fresh = await ctx.newPage();
    await fresh.goto(`${station!.base}/batches/slot_1`);
    await expectText(card('slot_1', fresh).getByTestId('unit-verdict'), '합격');
    await until(
      async () => (await step('cleanup', fresh).getAttribute('data-state')) === 'passed',
      'the last run',
    );
    expect(Object.values(await stepStates(fresh))).toEqual(STEPS.map(() => 'passed'));
    const row = step('measure_voltage', fresh).locator('tr[data-measurement="voltage_error"]');
    expect((await row.locator('td').allTextContents()).slice(2)).toEqual(['-1 … 1 %', '합격']);
    // The log is the station's: this page was not open while the run wrote it.
    const line = fresh.getByTestId('log').locator('li').filter({ hasText: 'output on at 5 V' }).last();
    await line.waitFor();
    const stamp = line.locator('time');
    const iso = (await stamp.getAttribute('datetime'))!;
    const shown = (await stamp.textContent())!;
    expect(shown).toBe(new Date(iso).toLocaleTimeString('ko', { hour12: false, timeZone: 'Asia/Seoul' }));
    // Seoul is nine hours from UTC: the UTC clock's hour is not what the operator reads.
    expect(shown).not.toContain(iso.slice(11, 16));
  } finally {
    await ctx.close();
  }
});

test('the FAIL label meets WCAG AA (4.5:1) as Chromium draws it, on the card and on the result', async () => {
  await page.goto(station!.base);
  await card('slot_2').getByRole('button', { name: 'Start process' }).click();
  await card('slot_2').getByRole('button', { name: 'Test unit' }).waitFor();
  const exec = await startRun('slot_2', { parameters: { path: 'limit_failure' } });
  await expectText(card('slot_2').getByTestId('unit-verdict'), 'FAIL');
  const word = card('slot_2').locator('.unit-verdict-word');
  expect(await contrastOf(word, word)).toBeGreaterThanOrEqual(4.5);
  await page.goto(`${station!.base}/results/${exec}`);
  const label = page.locator('.result-head .verdict.fail');
  await label.waitFor();
  expect(await contrastOf(label, label)).toBeGreaterThanOrEqual(4.5);
});

/**
 * WCAG contrast of `text`'s colour on the background `under` shows (its own, else its nearest ancestor's
 * that is not transparent), as Chromium computed them.
 */
async function contrastOf(text: Locator, under: Locator): Promise<number> {
  const fg = await text.evaluate((el) => getComputedStyle(el).color);
  const bg = await under.evaluate((el) => {
    for (let n: Element | null = el; n; n = n.parentElement) {
      const c = getComputedStyle(n).backgroundColor;
      if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) return c;
    }
    return 'rgb(255, 255, 255)';
  });
  const lum = (css: string) => {
    const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return (hi! + 0.05) / (lo! + 0.05);
}
