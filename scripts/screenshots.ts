// Takes the README's screenshots: the real demo station (config/station.yaml.example, its four slots and two
// more PSU slots: a six-slot line) started by the launcher on temp files, driven into a mid-shift scene
// (apps/ui/test/demo.ts), and photographed in Debian's Chromium in Korean and English at every supported
// screen size. Re-runnable at any time; it only writes the PNGs.
//
//   bun scripts/screenshots.ts [--out docs/screenshots] [--slots 6]
//
// Writes <screen>-<language>-<width>x<height>.png: the overview, the detail page of the slot waiting for
// the operator, and the stored result of the failed unit. Each picture is the viewport as the screen shows
// it (what is below the fold is not in it), so the pictures show what fits without scrolling.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BatchStatus } from '@station/model';
import type { Browser, Page } from 'playwright-core';
import { setScene, startDemoStation } from '../apps/ui/test/demo.ts';
import { SCREENS } from '../apps/ui/test/screens.ts';
import { launchChromium } from '../apps/ui/test/station.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(import.meta.dir, '..', 'docs', 'screenshots') },
    slots: { type: 'string', default: '6' },
  },
});
const out = resolve(values.out);
const slots = Number.parseInt(values.slots, 10);
if (!Number.isInteger(slots) || slots < 1 || slots > 32) {
  console.error(`--slots: a whole number from 1 to 32, not "${values.slots}"`);
  process.exit(2);
}
mkdirSync(out, { recursive: true });

/** Waits for the page to be whole: live, fonts in, progress bars at rest. */
async function settled(page: Page): Promise<void> {
  await page.locator('[data-testid="link"].link-live').waitFor();
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  // The bars slide for 0.3 s after a change; wait until none moves.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.progress .bar')].every((el) => el.getAnimations().length === 0),
  );
}

async function shoot(browser: Browser, base: string, failed: string): Promise<string[]> {
  const written: string[] = [];
  for (const language of ['ko', 'en'] as const) {
    for (const screen of SCREENS) {
      const page = await browser.newPage({
        viewport: { width: screen.width, height: screen.height },
        locale: language === 'ko' ? 'ko-KR' : 'en-US',
      });
      try {
        page.setDefaultTimeout(30_000);
        const size = `${screen.width}x${screen.height}`;
        const take = async (name: string) => {
          await settled(page);
          // A ready card's serial field takes the focus and a phone scrolls to it: show the page's top.
          await page.evaluate(() => window.scrollTo(0, 0));
          const path = join(out, `${name}-${language}-${size}.png`);
          await page.screenshot({ path });
          written.push(path);
        };
        await page.goto(base);
        await page.locator('article[data-unit="testing"] [data-testid="prompt"]').first().waitFor();
        await take('overview');
        await page.goto(`${base}/batches/batch_4`);
        await page.locator('[data-testid="prompt"]').first().waitFor();
        await take('detail');
        await page.goto(`${base}/results/${failed}`);
        await page.locator('table.results').first().waitFor();
        await take('result');
      } finally {
        await page.close();
      }
    }
  }
  return written;
}

await using station = await startDemoStation(slots);
await setScene(station);
const batches = (await (await fetch(`${station.base}/api/batches`)).json()) as BatchStatus[];
const failed = batches.find((b) => b.lastResult?.verdict === 'FAIL')?.lastResult?.executionId;
if (!failed) throw new Error('the scene has no failed unit');
const browser = await launchChromium();
try {
  const written = await shoot(browser, station.base, failed);
  for (const path of written) console.log(path);
} finally {
  await browser.close();
}
