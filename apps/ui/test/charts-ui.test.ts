// The chart screens in Chromium on a real station: six units with a rising output voltage raise the drift
// alarm on the slot's card (in English and Korean), its link opens the control chart with those readings
// and the rule breaks marked; the result detail puts each measurement on its limit band; the yield screen
// draws the slot's units and cycle times; and the overview never downloads the chart code.

import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchDetail, ExecutionResult, MeasurementTrend, YieldSeries } from '@station/model';
import type { Browser, Page } from 'playwright-core';
import { until } from '../../../tests/support/process.ts';
import { bandColumns, bandPoints, controlColumns } from '../src/charts/data.ts';
import { BATCHES, launchChromium, shotPath, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(180_000);

let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;
/** Every script the page fetched, with its text. */
const scripts: { url: string; body: string }[] = [];
const shots = mkdtempSync(join(tmpdir(), 'charts-shots-'));

/** The output voltages of the six units: each 0.1 V above the one before. */
const VOLTAGES = [5.0, 5.1, 5.2, 5.3, 5.4, 5.5];
const runs: string[] = [];

const rest = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${station!.base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

beforeAll(async () => {
  station = await startUiStation(BATCHES, ['psu_functional', 'failure_paths']);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
  page.setDefaultTimeout(30_000);
  page.on('response', async (res) => {
    if (!res.url().endsWith('.js')) return;
    scripts.push({ url: res.url(), body: await res.text().catch(() => '') });
  });
  await page.goto(station.base);
  await page.locator('article[data-batch="slot_1"]').waitFor();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
  rmSync(shots, { recursive: true, force: true });
});

/** The page wider than the screen, in px (0: no sideways scrolling). */
const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** On a 390 px phone the screen scrolls only up and down; the viewport comes back whatever happens. */
async function fitsPhone(what: string): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await until(async () => (await overflow()) <= 0, `${what} to fit 390 px`, 10_000, 100);
  } finally {
    await page.setViewportSize({ width: 1366, height: 900 });
  }
}

/** uPlot's columns of the chart with `testId` as drawn on the page. */
async function chartData(testId: string): Promise<(number | null)[][]> {
  const chart = page.getByTestId(testId);
  await chart.locator('canvas').waitFor();
  return chart.evaluate((el) => {
    const u = (el as HTMLElement & { uplot?: { data: ArrayLike<number | null>[] } }).uplot;
    return u ? u.data.map((col) => Array.from(col)) : [];
  });
}

/** uPlot's code carries its legend class name; no other script of the page does. */
const isChartCode = (s: { body: string }) => s.body.includes('u-legend');

test('six units with a rising output voltage: the card shows the drift alarm, the overview loads no chart code', async () => {
  const card = page.locator('article[data-batch="slot_1"]');
  await card.getByRole('button', { name: 'Start process' }).click();
  await card.getByTestId('state').filter({ hasText: 'Ready' }).waitFor();
  for (const [i, voltage] of VOLTAGES.entries()) {
    const { executionId } = await rest<{ executionId: string }>(
      'POST',
      '/api/batches/slot_1/sequence/start',
      {
        parameters: { output_voltage: voltage },
        dut: { serialNumber: `SN-DRIFT-${i}` },
      },
    );
    runs.push(executionId);
    await until(
      async () => {
        const d = await rest<BatchDetail>('GET', '/api/batches/slot_1');
        return d.lastResult?.executionId === executionId && !d.sequenceRunning;
      },
      `run ${i + 1} to finish`,
      60_000,
      100,
    );
    // Before the sixth unit no rule is broken: five rising points are not yet a trend.
    if (i < VOLTAGES.length - 1) expect(await card.getByTestId('drift').count()).toBe(0);
  }
  const badge = card.getByTestId('drift');
  await badge.waitFor();
  const drift = (await rest<BatchDetail>('GET', '/api/batches/slot_1')).drift;
  expect(drift).toMatchObject({
    batchId: 'slot_1',
    sequenceName: 'psu_functional',
    rule: 3,
    executionId: runs.at(-1),
  });
  // The measurement in the package's own words and the rule in the floor's.
  const name = drift?.measurement === 'output_voltage' ? 'Output voltage' : (drift?.measurement ?? '?');
  await badge.filter({ hasText: `Drifting: ${name}` }).waitFor();
  expect(await badge.textContent()).toContain('6 in a row steadily rising or falling');
  // Only the drifting slot carries it.
  expect(await page.getByTestId('drift').count()).toBe(1);
  await card.screenshot({ path: shotPath('drift-badge.png', shots) });
  // All this time on the overview, not one script of uPlot was fetched.
  expect(scripts.length).toBeGreaterThan(0);
  expect(scripts.filter(isChartCode).map((s) => s.url)).toEqual([]);

  // The same alarm in Korean.
  await page.evaluate(() => localStorage.setItem('station.language', 'ko'));
  await page.reload();
  await page.getByTestId('drift').filter({ hasText: '경향 이상' }).waitFor();
  expect(await page.getByTestId('drift').textContent()).toContain('6개 연속 계속 오르거나 내림');
  await page.evaluate(() => localStorage.setItem('station.language', 'en'));
  await page.reload();
  await page.getByTestId('drift').filter({ hasText: 'Drifting' }).waitFor();
});

test('the badge links to the control chart: the readings, mean, limits and the rule break marked', async () => {
  const before = scripts.length;
  await page.getByTestId('drift').getByRole('link', { name: 'Trend chart' }).click();
  await page.waitForURL(/\/trends\?/);
  const drift = (await rest<BatchDetail>('GET', '/api/batches/slot_1')).drift!;
  const trend = await rest<MeasurementTrend>(
    'GET',
    `/api/trends/psu_functional/${drift.measurement}?batch=slot_1&last=50`,
  );
  expect(trend.points.map((p) => p.executionId)).toEqual(runs);
  const drawn = await chartData('trend-chart');
  expect(drawn).toEqual(controlColumns(trend));
  // The sixth unit is marked as breaking a rule, and only it.
  expect(drawn[2]).toEqual([null, null, null, null, null, trend.points[5]!.value]);
  if (drift.measurement === 'output_voltage') expect(drawn[1]).toEqual(VOLTAGES);
  await page.getByTestId('trend-breaks').filter({ hasText: 'Unit 6 (SN-DRIFT-5)' }).waitFor();
  expect(await page.getByTestId('trend-breaks').textContent()).toContain(
    '6 in a row steadily rising or falling',
  );
  // Cpk as the station computed it.
  const cpk = await page.getByTestId('cpk').textContent();
  expect(cpk).toBe(
    trend.cpk === null ? '– (needs a limit and some spread)' : String(Number(trend.cpk.toPrecision(3))),
  );
  // The chart screen brought uPlot with it.
  expect(scripts.slice(before).some(isChartCode)).toBe(true);
  // Every numeric measurement of the package is offered; the text check (regulation_mode) has no trend.
  const offered = page.getByTestId('trend-measurement').locator('option');
  await offered.filter({ hasText: 'ripple' }).waitFor({ state: 'attached' });
  expect(await offered.evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual([
    '',
    'output_voltage',
    'voltage_error',
    'readback_error',
    'load_current',
    'ripple',
  ]);
  // Every control filled in before the picture is taken.
  await page
    .getByTestId('trend-sequence')
    .locator('option[value="psu_functional"]')
    .waitFor({ state: 'attached' });
  await page.screenshot({ path: shotPath('trend.png', shots), fullPage: true });
  await fitsPhone('the trend screen');
});

test('the result detail puts each two-sided measurement on its limit band', async () => {
  const last = runs.at(-1)!;
  await page.goto(`${station!.base}/results/${last}`);
  const result = await rest<ExecutionResult>('GET', `/api/results/${last}`);
  const drawn = await chartData('band-chart');
  const expected = bandColumns(bandPoints(result.steps));
  expect(drawn).toEqual(expected.map((col) => [...col]));
  // voltage_error, readback_error and ripple have both limits; load_current (low only) and the text check do not.
  expect(drawn[0]).toEqual([0, 1, 2]);
  expect(drawn[3]).toEqual([null, null, null]);
  // The x axis names them in the package's words.
  const axis = await page.getByTestId('band-chart').locator('.u-axis').first().boundingBox();
  expect(axis).not.toBeNull();
  // The y axis is as wide as its longest word with the tick and gap uPlot puts before it: a fixed width
  // drew "Middle of the limits" as "ddle of the limits".
  const room = await page.getByTestId('band-chart').evaluate((el) => {
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = '14px system-ui, "Noto Sans KR", sans-serif';
    const y = el.querySelectorAll('.u-axis')[1]!.getBoundingClientRect();
    return {
      axis: Math.round(y.width),
      needs: Math.ceil(ctx.measureText('Middle of the limits').width) + 15,
    };
  });
  expect(room.axis).toBeGreaterThanOrEqual(room.needs);
  await page.getByTestId('band-chart').screenshot({ path: shotPath('result-bands.png', shots) });
});

test('the yield screen draws the slot’s units per hour and the histogram of its cycle times', async () => {
  await page.goto(`${station!.base}/yield?batch=slot_1&bucket=hour&days=1`);
  const fpy = await chartData('fpy-chart');
  const units = (fpy[1] ?? []).reduce<number>((a, v) => a + (v ?? 0), 0);
  expect(units).toBe(VOLTAGES.length);
  // Every unit passed first time: each hour with units shows 100 %.
  expect((fpy[2] ?? []).filter((v) => v !== null).every((v) => v === 100)).toBe(true);
  const cycle = await chartData('cycle-chart');
  expect((cycle[1] ?? []).reduce<number>((a, v) => a + (v ?? 0), 0)).toBe(VOLTAGES.length);
  // The page's numbers are the station's.
  const series = await page.evaluate(async () => {
    const to = Math.ceil(Date.now() / 3600_000) * 3600_000;
    const q = new URLSearchParams({
      from: new Date(to - 24 * 3600_000).toISOString(),
      to: new Date(to).toISOString(),
      bucket: 'hour',
      utcOffset: String(-new Date().getTimezoneOffset()),
      batch: 'slot_1',
    });
    return (await fetch(`/api/stats/series?${q}`)).json();
  });
  expect(cycle[0]).toEqual((series as YieldSeries).cycleTime.bins.map((b) => b.from));
  await page.getByTestId('yield-figures').filter({ hasText: '100.0%' }).waitFor();
  await page.screenshot({ path: shotPath('yield.png', shots), fullPage: true });
  await fitsPhone('the yield screen');
  // The whole station: the same six units (no other slot tested).
  await page.getByTestId('yield-batch').selectOption('');
  await page.waitForURL((u) => !u.search.includes('batch='));
  await until(
    async () => ((await chartData('fpy-chart'))[1] ?? []).reduce<number>((a, v) => a + (v ?? 0), 0) === 6,
    'the station chart',
    20_000,
    100,
  );
});

test('a steady unit after the drift takes the alarm off the card', async () => {
  await page.goto(station!.base);
  const card = page.locator('article[data-batch="slot_1"]');
  await card.getByTestId('drift').waitFor();
  const { executionId } = await rest<{ executionId: string }>('POST', '/api/batches/slot_1/sequence/start', {
    parameters: { output_voltage: 5.0 },
    dut: { serialNumber: 'SN-STEADY' },
  });
  await until(
    async () =>
      (await rest<BatchDetail>('GET', '/api/batches/slot_1')).lastResult?.executionId === executionId,
    'the steady run to finish',
    60_000,
    100,
  );
  await card.getByTestId('drift').waitFor({ state: 'detached' });
  expect((await rest<BatchDetail>('GET', '/api/batches/slot_1')).drift).toBeUndefined();
});
