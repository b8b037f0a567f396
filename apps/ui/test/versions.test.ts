// Sequence versions in the browser on a real station (issue 22): an engineer uploads a new version while
// one slot is mid-run; the idle slot runs the new version next and the running one finishes on the old;
// then a roll-back through the page is what the next run records. Also: an operator is told the switch
// needs the engineer role, and the page fits a phone.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArchive } from '@station/sequence/archive';
import type { Browser, Locator, Page } from 'playwright-core';
import { until } from '../../../tests/support/process.ts';
import { REPO } from '../../../tests/support/station.ts';
import { launchChromium, startUiStation, type UiStation } from './station.ts';

setDefaultTimeout(180_000);

const KEYS = { engineer: 'k-engineer-versions', operator: 'k-operator-versions' };
const AUTH = `{ enabled: true, api_keys: [{ key: ${KEYS.engineer}, role: engineer, name: test-engineering }, { key: ${KEYS.operator}, role: operator, name: line-pc }] }`;
const HARDWARE = '{ psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }';
const BATCHES = `  - { id: slot_1, name: Slot 1, sequence_package: runner_test, hardware: ${HARDWARE}, restart: { policy: never } }
  - { id: slot_2, name: Slot 2, sequence_package: runner_test, hardware: ${HARDWARE}, restart: { policy: never } }`;

let work: string;
let station: UiStation | undefined;
let browser: Browser | undefined;
let page: Page;
let archive3: string;

/** runner_test 2.1.0 whose wait step may last minutes (a run held mid-way by `wait_ms`, ended by abort). */
function packageAt(version: string): string {
  const dir = join(work, version, 'runner_test');
  cpSync(join(REPO, 'apps/batch-runner/test/packages/runner_test'), dir, { recursive: true });
  const manifest = readFileSync(join(dir, 'manifest.yaml'), 'utf8')
    .replace(/^version: .*$/m, `version: ${version}`)
    .replace(/- name: wait\n {4}timeout: 30s/, '- name: wait\n    timeout: 10m')
    .replace('max: 60000', 'max: 600000');
  writeFileSync(join(dir, 'manifest.yaml'), manifest);
  writeFileSync(
    join(dir, 'sequence.ts'),
    `${readFileSync(join(dir, 'sequence.ts'), 'utf8')}\n// ${version}\n`,
  );
  return dir;
}

async function call(method: string, path: string, body?: unknown, key = KEYS.engineer) {
  const res = await fetch(`${station!.base}/api${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The version and hash a run recorded, once it has ended. */
async function finished(executionId: string): Promise<{ status: string; version: string; hash: string }> {
  return until(
    async () => {
      const r = await call('GET', `/results/${executionId}`);
      const { status, sequenceVersion, packageHash } = r.body as Record<string, string>;
      return status && status !== 'running'
        ? { status, version: sequenceVersion!, hash: packageHash! }
        : undefined;
    },
    `${executionId} to end`,
    60_000,
    100,
  );
}

async function run(batchId: string, waitMs = 0): Promise<string> {
  const r = await call('POST', `/batches/${batchId}/sequence/start`, { parameters: { wait_ms: waitMs } });
  expect(r.status).toBe(200);
  return r.body.executionId as string;
}

async function newPage(key: string, width = 1366): Promise<Page> {
  const p = await browser!.newPage({ viewport: { width, height: 900 }, locale: 'en-US' });
  p.setDefaultTimeout(30_000);
  await p.addInitScript((k) => sessionStorage.setItem('station.apiKey', k), key);
  return p;
}

const slot = (p: Page, id: string): Locator => p.locator(`li[data-slot="${id}"]`);

async function expectText(loc: Locator, text: string | RegExp): Promise<void> {
  await loc.filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ui-versions-'));
  const v2 = packageAt('2.1.0');
  archive3 = join(work, 'runner_test-3.0.0.tgz');
  await writeArchive(packageAt('3.0.0'), 'runner_test', archive3);
  station = await startUiStation(BATCHES, [v2], undefined, AUTH);
  for (const id of ['slot_1', 'slot_2'])
    expect((await call('POST', `/batches/${id}/start`)).status).toBe(200);
  browser = await launchChromium();
  page = await newPage(KEYS.engineer);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});

test('a version uploaded while slot 1 is mid-run: idle slot 2 runs it next, slot 1 ends its run on the old one', async () => {
  const first = await finished(await run('slot_2'));
  expect(first).toMatchObject({ status: 'completed', version: '2.1.0' });
  const old = first.hash;

  // Slot 1 is held in its wait step.
  const held = await run('slot_1', 600_000);
  await until(
    async () => (await call('GET', '/batches/slot_1')).body.currentStep === 'wait',
    'slot_1 in its wait step',
    60_000,
    100,
  );

  await page.goto(`${station!.base}/versions`);
  await expectText(slot(page, 'slot_1').getByTestId('loaded'), `2.1.0 · ${old.slice(0, 7)}`);
  await page.getByLabel('Package archive (.tgz from station package)').setInputFiles(archive3);
  await page.getByRole('button', { name: 'Install' }).click();
  await expectText(page.getByRole('status'), 'Installed runner_test 3.0.0.');
  const versions = (await call('GET', '/sequences/runner_test')).body.versions as {
    version: string;
    hash: string;
  }[];
  const fresh = versions.find((v) => v.version === '3.0.0')!.hash;
  await page.locator('[data-package="runner_test"] li[data-version="3.0.0"]').waitFor();

  // What each slot runs and takes next, before anything starts: slot 1 waits for its run to end.
  await expectText(slot(page, 'slot_2').getByTestId('next'), `3.0.0 · ${fresh.slice(0, 7)}`);
  await expectText(
    slot(page, 'slot_1').getByTestId('waits'),
    'Switches to 3.0.0 when the current test ends.',
  );
  expect((await call('GET', `/results/${held}`)).body.status).toBe('running');

  const next = await finished(await run('slot_2'));
  expect(next).toEqual({ status: 'completed', version: '3.0.0', hash: fresh });
  await expectText(slot(page, 'slot_2').getByTestId('loaded'), `3.0.0 · ${fresh.slice(0, 7)}`);

  // Slot 1's run was never touched: it ends as 2.1.0; its next run is 3.0.0.
  expect((await call('GET', `/results/${held}`)).body).toMatchObject({
    status: 'running',
    sequenceVersion: '2.1.0',
  });
  expect((await call('POST', '/batches/slot_1/sequence/stop')).status).toBe(200);
  expect(await finished(held)).toMatchObject({ version: '2.1.0', hash: old });
  expect(await finished(await run('slot_1'))).toEqual({ status: 'completed', version: '3.0.0', hash: fresh });
});

test('a roll-back through the page is what the next run records; latest brings the newest back', async () => {
  await page.goto(`${station!.base}/versions`);
  const two = slot(page, 'slot_2');
  await two.getByLabel('Switch to').selectOption('2.1.0');
  await two.getByRole('button', { name: 'Switch' }).click();
  await expectText(two.getByRole('status'), 'Switched: the next test runs 2.1.0.');
  await expectText(two.getByTestId('rule'), /^pinned to 2\.1\.0 by test-engineering, /);
  const back = await finished(await run('slot_2'));
  expect(back).toMatchObject({ status: 'completed', version: '2.1.0' });
  await expectText(two.getByTestId('loaded'), `2.1.0 · ${back.hash.slice(0, 7)}`);
  // Slot 1 is not pinned: it still follows station.yaml (latest).
  await expectText(slot(page, 'slot_1').getByTestId('rule'), 'the newest (station.yaml)');

  await two.getByLabel('Switch to').selectOption('latest');
  await two.getByRole('button', { name: 'Switch' }).click();
  await expectText(two.getByRole('status'), 'Switched: the next test runs 3.0.0.');
  expect((await finished(await run('slot_2'))).version).toBe('3.0.0');
});

test('an operator sees that switching needs the engineer role, and nothing changes', async () => {
  const op = await newPage(KEYS.operator);
  try {
    await op.goto(`${station!.base}/versions`);
    const one = slot(op, 'slot_1');
    await one.getByLabel('Switch to').selectOption('2.1.0');
    await one.getByRole('button', { name: 'Switch' }).click();
    await expectText(
      one.getByRole('alert'),
      'Switching versions and installing packages needs the engineer role.',
    );
    expect((await call('GET', '/batches/slot_1/sequence/version')).body).toMatchObject({ source: 'config' });
  } finally {
    await op.close();
  }
});

test('on a phone (390 px) the page scrolls no way sideways, in Korean too', async () => {
  const phone = await newPage(KEYS.engineer, 390);
  try {
    for (const lang of ['en', 'ko']) {
      await phone.goto(`${station!.base}/versions`);
      await phone.getByTestId('language').selectOption(lang);
      await slot(phone, 'slot_2').getByTestId('loaded').filter({ hasText: '·' }).waitFor();
      await phone.locator('[data-package="runner_test"] li[data-version="3.0.0"]').waitFor();
      // What sticks out, by tag and class, so a failure names the culprit.
      const seen = await phone.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        wider: [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > 390)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
      }));
      expect({ lang, ...seen }).toEqual({ lang, width: 390, wider: [] });
    }
    await expectText(phone.getByRole('heading', { level: 1 }), '시퀀스 버전');
  } finally {
    await phone.close();
  }
});
