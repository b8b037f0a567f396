// A crashed slot in the operator's browser: the runner is killed mid-step, the next runner's recovery
// (safe state, cleanup steps) fails, and the card says so and refuses a test until the operator, having
// made the fixture safe, presses Acknowledge.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { until } from '../../../tests/support/process.ts';
import { REPO } from '../../../tests/support/station.ts';
import { launchChromium, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(90_000);

/** The supervisor's test package: `hold` waits (to kill the runner under it), `power_off` cleans up. */
const UNRULY = join(REPO, 'apps/batch-supervisor/test/packages/unruly');

let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  station = await startUiStation(
    `  - id: slot_r
    name: Slot R - recovery
    sequence_package: unruly
    hardware: { psu: { driver: sim_psu } }
    restart: { policy: never }`,
    [UNRULY],
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(20_000);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
});

const card = (): Locator => page.locator('article[data-batch="slot_r"]');

async function expectText(loc: Locator, text: string | RegExp): Promise<void> {
  await loc.filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

test('a failed recovery after a crash shows on the card and blocks tests until acknowledged', async () => {
  await page.goto(station!.base);
  await card().getByRole('button', { name: 'Start process' }).click();
  await expectText(card().getByTestId('state'), 'Ready');
  // A run whose cleanup step cannot switch the output off, killed while it holds the output on.
  const started = await fetch(`${station!.base}/api/batches/slot_r/sequence/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ parameters: { cleanup_fails: true } }),
  });
  expect(started.status).toBe(200);
  await expectText(card().getByTestId('step'), 'hold');
  const [pid] = station!.pidsOf('--batch slot_r');
  process.kill(pid!, 'SIGKILL');
  await expectText(card().getByTestId('batch-error'), 'BATCH_CRASHED');

  // The next runner recovers first; its cleanup step fails, so the slot is not ready.
  await card().getByRole('button', { name: 'Start process' }).click();
  await expectText(card().getByTestId('batch-error'), 'RECOVERY_FAILED');
  await expectText(card().getByTestId('batch-error'), 'cleanup step power_off failed: relay stuck');
  await expectText(card().getByTestId('batch-error'), 'then press Acknowledge');
  // The runner's RECOVERY_FAILED event can reach the card a moment before the status that brings the
  // slot's buttons: wait for the button, then read them all.
  await card().getByRole('button', { name: 'Acknowledge' }).waitFor();
  expect(await card().getByRole('button').allInnerTexts()).toEqual([
    'Acknowledge',
    'Restart process',
    'Stop process',
  ]);
  const refused = await fetch(`${station!.base}/api/batches/slot_r/sequence/start`, { method: 'POST' });
  expect(refused.status).toBe(409);

  await card().getByRole('button', { name: 'Acknowledge' }).click();
  await card().getByTestId('batch-error').waitFor({ state: 'detached' });
  await card().getByRole('button', { name: 'Start sequence' }).waitFor();
  const again = await until(
    async () => {
      const res = await fetch(`${station!.base}/api/batches/slot_r/sequence/start`, { method: 'POST' });
      return res.status === 200 ? res : undefined;
    },
    'a start accepted after the acknowledgement',
    10_000,
    200,
  );
  expect(again.status).toBe(200);
});
