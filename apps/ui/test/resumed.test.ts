// A resumed run in the operator's browser (issue 16, `resume: after_last_completed`): the runner is
// killed mid-step, the supervisor's restart policy starts the next runner, which continues the same run.
// The card says the run was resumed, from which step and why, while it runs; the result page lists the
// interruption for whoever reads the result later, and the results list marks its row.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { until } from '../../../tests/support/process.ts';
import { REPO } from '../../../tests/support/station.ts';
import { launchChromium, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(120_000);

/** The supervisor's resume test package: `soak` waits for a release file, every step traces its start. */
const SOAK = join(REPO, 'apps/batch-supervisor/test/packages/soak');

let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  station = await startUiStation(
    `  - id: slot_s
    name: Slot S - soak
    sequence_package: soak
    hardware: { psu: { driver: sim_psu } }
    restart: { policy: on-failure }`,
    [SOAK],
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
});

const card = (): Locator => page.locator('article[data-batch="slot_s"]');

async function expectText(loc: Locator, text: string | RegExp): Promise<void> {
  await loc.filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

test('a run resumed after its runner crashed is marked on the card while it runs, and listed on its result', async () => {
  await page.goto(station!.base);
  await card().getByRole('button', { name: 'Start process' }).click();
  await expectText(card().getByTestId('state'), 'Ready');
  const dir = station!.st.dir;
  const parameters = { trace: join(dir, 'trace.txt'), release: join(dir, 'release') };
  const started = await fetch(`${station!.base}/api/batches/slot_s/sequence/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ parameters }),
  });
  expect(started.status).toBe(200);
  const { executionId } = (await started.json()) as { executionId: string };
  await expectText(card().getByTestId('step'), 'soak');
  await until(
    () => existsSync(parameters.trace) && readFileSync(parameters.trace, 'utf8').includes('soak'),
    'the soak step under way',
    30_000,
  );
  // An ordinary run has no mark.
  expect(await card().getByTestId('resumed').count()).toBe(0);
  const [pid] = station!.pidsOf('--batch slot_s');
  process.kill(pid!, 'SIGKILL');

  // The policy's new runner continues the same run at the cut-off step; the card says so, in words.
  const mark = card().getByTestId('resumed');
  await expectText(mark, 'Resumed after an interruption');
  await expectText(mark, 'from step 2 (soak): the test process crashed.');
  expect(await card().getAttribute('data-unit')).toBe('testing');
  await expectText(card().getByTestId('step'), 'soak');
  expect(station!.pidsOf('--batch slot_s')).not.toContain(pid);
  // The card carries the run, not the crash: no red banner for a run that goes on.
  expect(await card().getByTestId('batch-error').count()).toBe(0);
  // The batch's own page shows it too.
  await page.goto(`${station!.base}/batches/slot_s`);
  await expectText(page.getByTestId('resumed'), 'the test process crashed');
  // In Korean too.
  await page.getByTestId('language').selectOption('ko');
  await expectText(page.getByTestId('resumed'), '중단 후 재개됨');
  await expectText(
    page.getByTestId('resumed'),
    '2단계(soak)부터 이어서 진행: 검사 프로세스가 비정상 종료됨.',
  );
  await page.getByTestId('language').selectOption('en');
  await page.goto(station!.base);

  writeFileSync(parameters.release, '');
  await expectText(card().getByTestId('last-result'), 'PASS');
  await mark.waitFor({ state: 'detached' });

  // A month later: the result lists the interruption, when it was resumed, from where and why.
  await page.goto(`${station!.base}/results/${executionId}`);
  const resumes = page.getByTestId('resumes');
  await expectText(resumes, 'Interruptions');
  const rows = resumes.locator('tbody tr');
  expect(await rows.count()).toBe(1);
  const cells = await rows.first().locator('td').allInnerTexts();
  expect(cells[0]).toBe('1');
  expect(cells[1]).toMatch(/\d/);
  expect(cells[2]).toBe('2 (soak)');
  expect(cells[3]).toBe('the test process crashed BATCH_CRASHED');
  expect(cells[4]).toContain('SIGKILL');
  // And the stored result agrees with the page.
  const stored = (await (await fetch(`${station!.base}/api/results/${executionId}`)).json()) as {
    status: string;
    resumes?: { fromStep: string; reason: string }[];
  };
  expect(stored.status).toBe('completed');
  expect(stored.resumes?.map((r) => [r.fromStep, r.reason])).toEqual([['soak', 'BATCH_CRASHED']]);

  // The history table a quality engineer scans marks the row, with how many interruptions in its title.
  const listed = (await (await fetch(`${station!.base}/api/results`)).json()) as {
    items: { id: string; resumeCount: number }[];
  };
  expect(listed.items.map((i) => [i.id, i.resumeCount])).toEqual([[executionId, 1]]);
  await page.goto(`${station!.base}/results`);
  const row = page.locator(`tr[data-result="${executionId}"]`);
  const badge = row.getByTestId('resumed-mark');
  await expectText(badge, 'Resumed');
  expect(await badge.getAttribute('title')).toBe(
    'The test process crashed once during this run; the next one resumed it.',
  );
  // In the status column, beside the run's status.
  expect(await row.locator('td').nth(5).textContent()).toStartWith('completed');
  await page.getByTestId('language').selectOption('ko');
  await expectText(badge, '재개됨');
  expect(await badge.getAttribute('title')).toBe(
    '검사 중 검사 프로세스가 1회 비정상 종료되어, 다음 프로세스가 이어서 진행했습니다.',
  );
  await page.getByTestId('language').selectOption('en');
});
