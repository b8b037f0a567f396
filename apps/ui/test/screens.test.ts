// Every screen the station is seen on (issue 17), measured in Chromium from the page's own boxes: the demo
// station with six slots in a mid-shift scene (apps/ui/test/demo.ts), in Korean and English, on a 24-inch
// line monitor (1920x1080: six slots without scrolling, the verdict readable at 3 m), a laptop (1366x768:
// the station bar on one line), a 10-inch touch panel (1280x800: every slot and the running step without
// scrolling, targets of 44 px or more) and a phone (390x844: nothing sideways, badge and verdict whole);
// and at widths between them, every nav link whole and uncovered by the bar's indicators.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { keepPromptOpen, setScene, startDemoStation } from './demo.ts';
import { SCREENS, type Screen } from './screens.ts';
import { launchChromium, type UiStation } from './station.ts';

setDefaultTimeout(180_000);

const LANGUAGES = ['ko', 'en'] as const;
type Language = (typeof LANGUAGES)[number];

let station: UiStation | undefined;
let browser: Browser | undefined;
let failedRun = '';

beforeAll(async () => {
  station = await startDemoStation(6);
  await setScene(station);
  const res = await fetch(`${station.base}/api/results?pass=false&pageSize=1`);
  failedRun = ((await res.json()) as { items: { id: string }[] }).items[0]?.id ?? '';
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await station?.[Symbol.asyncDispose]();
});

/** A page at `screen`'s size in `language`, opened at `path` once the link is live and the fonts are in. */
async function open(screen: Screen, language: Language, path: string, on = station!): Promise<Page> {
  await keepPromptOpen(on);
  const base = on.base;
  const page = await browser!.newPage({
    viewport: { width: screen.width, height: screen.height },
    locale: language === 'ko' ? 'ko-KR' : 'en-US',
    hasTouch: screen.touch,
  });
  page.setDefaultTimeout(30_000);
  await page.goto(`${base}${path}`);
  await page.locator('[data-testid="link"].link-live').waitFor();
  await page.waitForFunction((lng) => document.documentElement.lang === lng, language);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  return page;
}

/** Waits for the scene's cards: every slot shown, the unit-checkout slot at its prompt. */
async function sceneShown(page: Page, slots: number): Promise<void> {
  await page.locator('article[data-batch="batch_4"] [data-testid="prompt"]').waitFor();
  expect(await page.locator('.cards > article').count()).toBe(slots);
  // Progress bars slide for 0.3 s after a change; measure them at rest.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.progress .bar')].every((el) => el.getAnimations().length === 0),
  );
}

interface Box {
  what: string;
  top: number;
  bottom: number;
  left: number;
  right: number;
  width: number;
  height: number;
}

/** The viewport-relative boxes of every element matching `selector`, named by `what`. */
function boxes(page: Page, selector: string): Promise<Box[]> {
  return page.$$eval(selector, (els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      const id = el.closest('[data-batch]')?.getAttribute('data-batch') ?? '';
      const label = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40);
      return {
        what: `${id} ${el.tagName.toLowerCase()}.${el.className} "${label}"`,
        top: r.top,
        bottom: r.bottom,
        left: r.left,
        right: r.right,
        width: r.width,
        height: r.height,
      };
    }),
  );
}

/** The boxes that stick out of the viewport (none, or the test names them). */
function outside(list: Box[], screen: Screen): string[] {
  return list
    .filter((b) => b.top < 0 || b.left < 0 || b.bottom > screen.height + 0.5 || b.right > screen.width + 0.5)
    .map(
      (b) =>
        `${b.what} at ${Math.round(b.left)},${Math.round(b.top)}-${Math.round(b.right)},${Math.round(b.bottom)}`,
    );
}

/** Whether the page scrolls sideways or down. */
function scrolls(page: Page): Promise<{ sideways: boolean; down: boolean }> {
  return page.evaluate(() => {
    const d = document.documentElement;
    return { sideways: d.scrollWidth > d.clientWidth, down: d.scrollHeight > d.clientHeight };
  });
}

/** Items of the station bar that do not share one line with the first (empty: the bar is one line). */
async function barLines(page: Page): Promise<string[]> {
  const items = await boxes(page, '.station-bar .brand > *, .station-bar .indicators > li');
  const top = Math.max(...items.map((b) => b.top));
  const bottom = Math.min(...items.map((b) => b.bottom));
  // On one line every item's box spans the band all of them share.
  return top < bottom ? [] : items.filter((b) => b.top >= bottom || b.bottom <= top).map((b) => b.what);
}

/** Every screen of the UI, the chart screens included. */
const PAGES = () => [
  '/',
  '/batches/batch_4',
  '/results',
  `/results/${failedRun}`,
  '/yield',
  '/trends?sequence=psu_functional&measurement=output_voltage',
  '/versions',
];

const wide = SCREENS.filter((s) => s.width >= 1000);
const [monitor, laptop, panel, phone] = SCREENS as [Screen, Screen, Screen, Screen];

describe.each(LANGUAGES)('in %s', (language) => {
  test.each(wide.map((s) => [s.name, s]))(
    '%s: the station bar is one line and nothing scrolls sideways',
    async (_n, screen) => {
      const page = await open(screen, language, '/');
      try {
        await sceneShown(page, 6);
        expect(await barLines(page)).toEqual([]);
        const bar = (await boxes(page, '.station-bar'))[0]!;
        const tallest = Math.max(
          ...(await boxes(page, '.station-bar .indicators > li, .brand nav a')).map((b) => b.height),
        );
        // One line: the bar is its tallest item and its padding, not two rows of them.
        expect(bar.height).toBeLessThan(tallest * 1.5);
        expect((await scrolls(page)).sideways).toBe(false);
        expect(
          outside(await boxes(page, '.station-bar .brand > *, .station-bar .indicators > li'), screen),
        ).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );

  test('line monitor 1920x1080: six slots without scrolling, each card coloured by its verdict', async () => {
    const page = await open(monitor, language, '/');
    try {
      await sceneShown(page, 6);
      expect(outside(await boxes(page, '.cards > article'), monitor)).toEqual([]);
      expect(await scrolls(page)).toEqual({ sideways: false, down: false });
      const colour = (id: string) =>
        page.locator(`article[data-batch="${id}"]`).evaluate((el) => getComputedStyle(el).backgroundColor);
      // batch_1 and batch_5 passed, batch_3 failed, batch_2 is ready with no verdict.
      const [pass, pass5, fail, none] = await Promise.all(
        ['batch_1', 'batch_5', 'batch_3', 'batch_2'].map(colour),
      );
      expect(pass).toBe(pass5);
      expect(new Set([pass, fail, none]).size).toBe(3);
      expect(await page.locator('article[data-batch="batch_1"]').getAttribute('data-unit')).toBe('pass');
      expect(await page.locator('article[data-batch="batch_3"]').getAttribute('data-unit')).toBe('fail');
    } finally {
      await page.close();
    }
  });

  test('line monitor 1920x1080: the verdict is readable at 3 m (16 arc-minutes or more)', async () => {
    const page = await open(monitor, language, '/');
    try {
      await sceneShown(page, 6);
      // The glyphs as drawn: the verdict's own font and text measured on a canvas, once the font is in.
      const measured = await page.$$eval('.unit-verdict-word', async (els) => {
        const ctx = document.createElement('canvas').getContext('2d')!;
        const out: { text: string; px: number }[] = [];
        for (const el of els) {
          const text = el.textContent ?? '';
          const font = getComputedStyle(el).font;
          await document.fonts.load(font, text);
          ctx.font = font;
          const m = ctx.measureText(text);
          out.push({ text, px: m.actualBoundingBoxAscent + m.actualBoundingBoxDescent });
        }
        return out;
      });
      expect(measured.map((m) => m.text).sort()).toEqual(
        language === 'ko' ? ['불합격', '합격', '합격'] : ['FAIL', 'PASS', 'PASS'],
      );
      // A 24-inch 16:9 panel is 531.3 mm wide: 0.2767 mm a pixel at 1920.
      const pitchMm = (24 * 25.4 * 16) / Math.hypot(16, 9) / 1920;
      for (const m of measured) {
        const mm = m.px * pitchMm;
        const arcMinutes = ((2 * Math.atan(mm / 2 / 3000) * 180) / Math.PI) * 60;
        expect({ text: m.text, readable: arcMinutes >= 16 }).toEqual({ text: m.text, readable: true });
      }
      // And it is whole inside its card.
      expect(outside(await boxes(page, '.unit-verdict-word'), monitor)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test('touch panel 1280x800: every slot and the running step without scrolling', async () => {
    const page = await open(panel, language, '/');
    try {
      await sceneShown(page, 6);
      expect(outside(await boxes(page, '.cards > article'), panel)).toEqual([]);
      expect(await scrolls(page)).toEqual({ sideways: false, down: false });
      const step = page.locator('article[data-batch="batch_4"] [data-testid="step"]');
      expect(await step.textContent()).toContain('insert_unit');
      expect(outside(await boxes(page, 'article[data-batch="batch_4"] [data-testid="step"]'), panel)).toEqual(
        [],
      );
      expect(await step.isVisible()).toBe(true);
    } finally {
      await page.close();
    }
  });

  test.each([panel, phone].map((s) => [s.name, s]))(
    '%s: every target is 44 px or more on each screen',
    async (_n, screen) => {
      for (const path of PAGES()) {
        const page = await open(screen, language, path);
        try {
          await page.locator('main :is(article, table, h1)').first().waitFor();
          const small = (
            await boxes(page, 'a[href], button, input, select, summary, [role="button"]')
          ).filter((b) => b.width > 0 && (b.height < 44 || b.width < 44));
          expect({
            path,
            small: small.map((b) => `${b.what} ${Math.round(b.width)}x${Math.round(b.height)}`),
          }).toEqual({ path, small: [] });
        } finally {
          await page.close();
        }
      }
    },
  );

  test('phone 390x844: no page scrolls sideways; every badge and verdict is whole', async () => {
    for (const path of PAGES()) {
      const page = await open(phone, language, path);
      try {
        await page.locator('main :is(article, table, h1)').first().waitFor();
        expect({ path, ...(await scrolls(page)), down: null }).toEqual({ path, sideways: false, down: null });
        if (path === '/') {
          await sceneShown(page, 6);
          const parts = await boxes(
            page,
            '.cards [data-testid="state"], .cards .unit-verdict-word, .cards .unit-serial',
          );
          expect(parts.length).toBe(6 + 3 + 3 + 1);
          expect(parts.filter((b) => b.left < 0 || b.right > phone.width).map((b) => b.what)).toEqual([]);
          // Nothing cut inside its own box either.
          const clipped = await page.$$eval(
            '.cards [data-testid="state"], .cards .unit-verdict-word',
            (els) => els.filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent),
          );
          expect(clipped).toEqual([]);
        }
      } finally {
        await page.close();
      }
    }
  });
});

test.each(LANGUAGES)(
  "phone 390x844 in %s: a failed unit's stored result shows its verdict without scrolling",
  async (language) => {
    const page = await open(phone, language, `/results/${failedRun}`);
    try {
      const verdict = page.locator('.result-head .verdict');
      await verdict.waitFor();
      expect(await verdict.textContent()).toBe(language === 'ko' ? '불합격' : 'FAIL');
      // The station bar above it once took half the screen and pushed the verdict below the fold.
      expect(outside(await boxes(page, '.result-head .verdict'), phone)).toEqual([]);
    } finally {
      await page.close();
    }
  },
);

/**
 * Sizes between and around the named screens, where the station bar changes its layout. Height counts
 * too: below 860 px the page's type is a fifth smaller, so 1200x900 has a wider bar than 1200x800.
 */
const NAV_SIZES: [number, number][] = [
  [1920, 1080],
  [1600, 900],
  [1536, 864],
  [1366, 900],
  [1366, 768],
  [1280, 800],
  [1200, 900],
  [1100, 800],
  [1024, 768],
  [800, 900],
  [390, 844],
];

/**
 * The nav links that cannot be seen or tapped: outside the viewport, or with something else (the station
 * bar's indicators slid over them) at their centre. The page is scrolled to its top first: a phone scrolls
 * to a ready card's serial field.
 */
async function hiddenNavLinks(page: Page): Promise<string[]> {
  await page.evaluate(() => window.scrollTo(0, 0));
  return page.$$eval('.station-bar nav a', (links) =>
    links.flatMap((a) => {
      const r = a.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      const inside = r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
      const hit = inside ? document.elementFromPoint(x, y) : null;
      if (hit && a.contains(hit) && r.width >= 44 && r.height >= 44) return [];
      const over = hit ? `${hit.tagName.toLowerCase()}.${hit.className}` : 'nothing';
      return [
        `"${a.textContent}" ${Math.round(r.left)}-${Math.round(r.right)} x ${Math.round(r.top)}: ${over}`,
      ];
    }),
  );
}

describe.each(LANGUAGES)('nav in %s', (language) => {
  test.each(NAV_SIZES)(
    '%dx%d: every nav link is inside the screen, nothing over it, and it takes a tap',
    async (width, height) => {
      const screen: Screen = { name: `${width}x${height}`, width, height, touch: true };
      const page = await open(screen, language, '/');
      try {
        for (const path of [
          '/',
          `/results/${failedRun}`,
          '/trends?sequence=psu_functional&measurement=output_voltage',
        ]) {
          // open() has loaded '/' already.
          if (path !== '/') await page.goto(`${station!.base}${path}`);
          await page.locator('[data-testid="link"].link-live').waitFor();
          await page.locator('main :is(article, table, h1)').first().waitFor();
          expect({ path, hidden: await hiddenNavLinks(page) }).toEqual({ path, hidden: [] });
        }
        // The bar at its widest: a sync round's note beside the queue (an offline station sends nothing).
        await page.getByTestId('sync-queue').getByRole('button').click();
        await page.locator('[data-testid="sync-queue"] :is(.muted, .action-error)').waitFor();
        expect({ synced: true, hidden: await hiddenNavLinks(page) }).toEqual({ synced: true, hidden: [] });
        // And a real tap on the last link, where the indicators used to cover it, opens its page.
        const last = page.locator('.station-bar nav a').last();
        const box = (await last.boundingBox())!;
        await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
        await page.waitForURL(/\/versions$/);
      } finally {
        await page.close();
      }
    },
  );
});

test("touch panel 1280x800 with the demo's own four slots: all of them and the running step fit", async () => {
  await using four = await startDemoStation(4);
  await setScene(four);
  for (const language of LANGUAGES) {
    const page = await open(panel, language, '/', four);
    try {
      await sceneShown(page, 4);
      expect(
        outside(
          await boxes(page, '.cards > article, article[data-batch="batch_4"] [data-testid="step"]'),
          panel,
        ),
      ).toEqual([]);
      expect(await scrolls(page)).toEqual({ sideways: false, down: false });
    } finally {
      await page.close();
    }
  }
});

test('the laptop (1366x768) shows the six slots without scrolling too', async () => {
  const page = await open(laptop, 'en', '/');
  try {
    await sceneShown(page, 6);
    expect(outside(await boxes(page, '.cards > article'), laptop)).toEqual([]);
  } finally {
    await page.close();
  }
});
