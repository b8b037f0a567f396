// WCAG AA for every text colour the stylesheet puts on a background: the colours are read from
// src/styles.css itself (custom properties resolved), so a new colour there cannot slip past this table.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const css = readFileSync(join(import.meta.dir, '..', 'src', 'styles.css'), 'utf8').replace(
  /\/\*[\s\S]*?\*\//g,
  '',
);

/** Declarations by single selector; a later rule for the same selector overrides, as in the cascade. */
const rules = new Map<string, Record<string, string>>();
for (const [, selectors = '', body = ''] of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
  const decls: Record<string, string> = {};
  for (const d of body.split(';')) {
    const i = d.indexOf(':');
    if (i > 0) decls[d.slice(0, i).trim()] = d.slice(i + 1).trim();
  }
  for (const sel of selectors.split(',')) {
    const key = sel.trim();
    rules.set(key, { ...rules.get(key), ...decls });
  }
}
const vars = rules.get(':root') ?? {};

function resolve(value: string): string {
  const v = /^var\((--[\w-]+)\)$/.exec(value);
  if (!v?.[1]) return value;
  const next = vars[v[1]];
  if (next === undefined) throw new Error(`styles.css has no ${v[1]}`);
  return resolve(next);
}

function prop(selector: string, name: string): string {
  const value = rules.get(selector)?.[name];
  if (value === undefined) throw new Error(`styles.css: no ${name} in "${selector}"`);
  return resolve(value);
}

function luminance(hex: string): number {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  if (!/^[0-9a-f]{6}$/i.test(full)) throw new Error(`not a hex colour: ${hex}`);
  const [r = 0, g = 0, b = 0] = [0, 2, 4].map((i) => {
    const c = Number.parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two opaque colours, 1 to 21. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
}

const TEXT = 'var(--text)';
const bg = (selector: string) => prop(selector, 'background');
const fg = (selector: string) => prop(selector, 'color');

// [what, text colour, background colour]. Everything is held to 4.5:1, large verdicts included.
const PAIRS: [string, string, string][] = [
  ['body text', resolve(TEXT), bg(':root')],
  ['muted text on a panel', fg('.muted'), bg('.panel')],
  ['muted text on the page', fg('.muted'), bg(':root')],
  ['links on a panel', fg('a'), bg('.panel')],
  ['PASS', fg('.verdict.pass'), bg('.verdict.pass')],
  ['FAIL', fg('.verdict.fail'), bg('.verdict.fail')],
  ['ERROR verdict', fg('.verdict.error'), bg('.verdict.error')],
  ['ABORTED', fg('.verdict.aborted'), bg('.verdict.aborted')],
  ['progress text over the filled bar', fg('.progress[aria-valuenow] span'), bg('.progress .bar')],
  ['progress text over the empty track', fg('.progress[aria-valuenow] span'), bg('.progress')],
  ['progress text before a run', fg('.progress span'), bg('.progress')],
  ['button', fg('.btn'), bg('.btn')],
  ['start button', fg('.btn'), bg('.btn.go')],
  ['stop button', fg('.btn'), bg('.btn.stop')],
  ['disabled button', fg('.btn:disabled'), bg('.btn:disabled')],
  ['idle badge', resolve(TEXT), bg('.badge.state-idle')],
  ['running badge', resolve(TEXT), bg('.badge.state-running')],
  ['starting badge', resolve(TEXT), bg('.badge.state-starting')],
  ['error badge', resolve(TEXT), bg('.badge.state-error')],
  ['step Passed', fg('.step-state.step-passed'), bg('.step')],
  ['step Failed', fg('.step-state.step-failed'), bg('.step')],
  ['step Running', fg('.step-state.step-running'), bg('.step')],
  ['step error', fg('.step-error'), bg('.step')],
  ['action error on a card', fg('.action-error'), bg('.panel')],
  ['failed measurement row', fg('tr.m-fail td'), bg('.panel')],
  ['log level', fg('.log .lvl'), bg('.log')],
  ['log error line', fg('.log-error'), bg('.log')],
  ['log warning line', fg('.log-warn'), bg('.log')],
  ['service up', fg('.svc.ok'), bg('.ind')],
  ['service down', fg('.svc.bad'), bg('.ind')],
  ['reconnecting indicator', resolve(TEXT), bg('.link-reconnecting')],
  ['error banner', resolve(TEXT), bg('.error-banner')],
  ['disk full warning', resolve(TEXT), bg('.storage-warning.low')],
  ['manual control locked', resolve(TEXT), bg('.locked')],
  ['command answer', resolve(TEXT), bg('.outcome.ok')],
  ['command error', resolve(TEXT), bg('.outcome.bad')],
  // A card coloured by its unit's verdict keeps its ordinary and muted text readable.
  ...['testing', 'pass', 'fail', 'error', 'aborted'].flatMap((u): [string, string, string][] => [
    [`text on a ${u} card`, resolve(TEXT), bg(`.card.unit-${u}`)],
    [`muted text on a ${u} card`, fg('.muted'), bg(`.card.unit-${u}`)],
    [`action error on a ${u} card`, fg('.action-error'), bg(`.card.unit-${u}`)],
  ]),
  ['operator prompt', resolve(TEXT), bg('.prompt')],
  ['prompt deadline', fg('.prompt-deadline'), bg('.prompt')],
];

test('the ratio is computed as WCAG does (the issue measured white on #ff4d4d at 3.3:1)', () => {
  expect(contrast('#ffffff', '#000000')).toBe(21);
  expect(contrast('#fff', '#ff4d4d')).toBeCloseTo(3.27, 2);
});

describe('every text colour meets WCAG AA (4.5:1) on its background', () => {
  test.each(PAIRS)('%s', (_what, text, background) => {
    expect(contrast(text, background)).toBeGreaterThanOrEqual(4.5);
  });
});
