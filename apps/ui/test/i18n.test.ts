// Every word of the UI is in both languages: Korean and English have the same keys, every key a component
// asks for exists, and no component shows a hard-coded word (JSX text or a literal in a shown attribute or
// expression) that would stay English on a Korean screen.
import { expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { en } from '../src/locales/en.ts';
import { ko } from '../src/locales/ko.ts';

const SRC = join(import.meta.dir, '../src');

/** "a.b.c" for every string leaf of a resource object. */
function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keys(v as object, `${prefix}${k}.`),
  );
}

function leaf(obj: object, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

test('Korean and English have the same keys, none empty, placeholders alike', () => {
  const enKeys = keys(en).sort();
  const koKeys = keys(ko).sort();
  expect(koKeys.filter((k) => !enKeys.includes(k))).toEqual([]);
  expect(enKeys.filter((k) => !koKeys.includes(k))).toEqual([]);
  for (const k of enKeys) {
    const e = String(leaf(en, k));
    const o = String(leaf(ko, k));
    expect({ k, empty: e.trim() === '' || o.trim() === '' }).toEqual({ k, empty: false });
    const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    expect({ k, vars: vars(o) }).toEqual({ k, vars: vars(e) });
  }
});

test('every key the code asks for with a literal exists in both languages', () => {
  const asked = new Set<string>();
  for (const file of sources(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z][\w.-]*)'/g)) asked.add(m[1]!);
  }
  expect(asked.size).toBeGreaterThan(50);
  const plural = (o: object, k: string) => leaf(o, k) ?? leaf(o, `${k}_other`);
  expect([...asked].filter((k) => typeof plural(en, k) !== 'string')).toEqual([]);
  expect([...asked].filter((k) => typeof plural(ko, k) !== 'string')).toEqual([]);
});

/** Attributes a person reads or hears (a screen reader speaks aria-label and title). */
const SHOWN_ATTRIBUTES = new Set(['aria-label', 'title', 'placeholder', 'alt', 'aria-description', 'label']);
const WORD = /\p{L}{2,}/u;

/** Words written into the JSX of `file` rather than fetched with t(). */
function hardCoded(file: string, text = readFileSync(file, 'utf8')): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const where = (n: ts.Node) =>
    `${file.slice(SRC.length + 1)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  /** Literals an expression shows as it is: the branches of ?:, ||, ??, && and template text. */
  const shown = (e: ts.Expression): void => {
    if (ts.isParenthesizedExpression(e)) {
      shown(e.expression);
      return;
    }
    if (ts.isConditionalExpression(e)) {
      shown(e.whenTrue);
      shown(e.whenFalse);
      return;
    }
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) shown(e.left);
      if (
        op === ts.SyntaxKind.BarBarToken ||
        op === ts.SyntaxKind.QuestionQuestionToken ||
        op === ts.SyntaxKind.AmpersandAmpersandToken
      )
        shown(e.right);
      return;
    }
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) {
      if (WORD.test(e.text)) found.push(`${where(e)} "${e.text}"`);
      return;
    }
    if (ts.isTemplateExpression(e)) {
      const parts = [e.head.text, ...e.templateSpans.map((s) => s.literal.text)].join('');
      if (WORD.test(parts)) found.push(`${where(e)} \`${parts}\``);
    }
  };
  const visit = (n: ts.Node): void => {
    if (ts.isJsxText(n) && WORD.test(n.text)) found.push(`${where(n)} "${n.text.trim()}"`);
    if (ts.isJsxExpression(n) && n.expression && !ts.isJsxAttribute(n.parent)) shown(n.expression);
    if (ts.isJsxAttribute(n) && SHOWN_ATTRIBUTES.has(n.name.getText()) && n.initializer) {
      if (ts.isStringLiteral(n.initializer)) {
        if (WORD.test(n.initializer.text))
          found.push(`${where(n)} ${n.name.getText()}="${n.initializer.text}"`);
      } else if (ts.isJsxExpression(n.initializer) && n.initializer.expression)
        shown(n.initializer.expression);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

test('no component shows a word that is not translated', () => {
  const files = sources(SRC).filter((f) => f.endsWith('.tsx'));
  expect(files.length).toBeGreaterThan(8);
  expect(files.flatMap((f) => hardCoded(f))).toEqual([]);
});

test('the scan catches a hard-coded word in text, in a shown attribute and in an expression', () => {
  const probe = `export const A = ({ x }: { x: boolean }) => (
  <p title="Hello there" className="not shown">Ready {x ? 'testing…' : '—'} {'✓'} {\`\${1} units\`}</p>
);`;
  expect(hardCoded(join(SRC, 'probe.tsx'), probe)).toEqual([
    'probe.tsx:2 title="Hello there"',
    'probe.tsx:2 "Ready"',
    'probe.tsx:2 "testing…"',
    'probe.tsx:2 ` units`',
  ]);
});
