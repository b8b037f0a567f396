// Builds the operator UI with Bun's own bundler into apps/ui/dist, the folder the gateway serves.
// Usage: bun apps/ui/build.ts [--outdir path] ; `import { buildUi }` from a test or the launcher.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** apps/ui/dist: where the gateway looks for the UI by default. */
export const UI_DIST = join(import.meta.dir, 'dist');
const SRC = join(import.meta.dir, 'src');
/** Where code split off main.js goes (the chart screens and what they share). */
const CHUNKS = 'chunks';

/** The overview's JavaScript must stay under this, gzipped (issue 17: a light page on the floor PCs). */
export const JS_BUDGET_GZIP = 200 * 1024;

/** The Korean font's weights the stylesheet uses (regular text and bold verdicts, headings, buttons). */
const FONT_WEIGHTS = [400, 700];

/**
 * Ships Noto Sans KR with the UI (the station PC has no internet, and a machine without a Hangul font
 * shows empty boxes): the package's per-weight stylesheets, cut by Unicode range so the browser fetches only
 * the slices a page uses, rewritten to point at woff2 files copied into `fonts/`.
 */
function copyKoreanFont(outdir: string): void {
  const pkg = dirname(require.resolve('@fontsource/noto-sans-kr/package.json'));
  const fonts = join(outdir, 'fonts');
  mkdirSync(fonts, { recursive: true });
  const css: string[] = [];
  for (const weight of FONT_WEIGHTS) {
    const source = readFileSync(join(pkg, `${weight}.css`), 'utf8');
    css.push(
      source.replace(
        /src: url\(\.\/files\/([\w-]+\.woff2)\) format\('woff2'\)[^;]*;/g,
        (_all, file: string) => {
          copyFileSync(join(pkg, 'files', file), join(fonts, file));
          return `src: url(/fonts/${file}) format('woff2');`;
        },
      ),
    );
  }
  writeFileSync(join(outdir, 'fonts.css'), css.join('\n'));
}

/** Bytes of some JavaScript as built and as sent gzipped. */
export interface ScriptSize {
  bytes: number;
  gzip: number;
}

/** The files `main.js` loads before the page runs: itself and the chunks it imports statically. */
function staticClosure(outdir: string, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(outdir, file), 'utf8');
    // Static imports only (`import{..}from"./x.js"`, `import"./x.js"`); `import("./x.js")` loads later.
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*)"(\.\/[^"]+\.js)"/g)) {
      visit(join(dirname(file), m[1] as string));
    }
  };
  visit(entry);
  return [...seen];
}

function sizeOf(outdir: string, files: string[]): ScriptSize {
  let bytes = 0;
  let gzip = 0;
  for (const f of files) {
    const js = readFileSync(join(outdir, f));
    bytes += js.length;
    gzip += Bun.gzipSync(js).length;
  }
  return { bytes, gzip };
}

/**
 * The overview's JavaScript (main.js and the chunks it imports statically), and the lazy chunks the chart
 * screens load when opened (`import()`), each file on its own.
 */
export function scriptSize(outdir = UI_DIST): ScriptSize & { lazy: Record<string, ScriptSize> } {
  const overview = staticClosure(outdir, 'main.js');
  const chunks = readdirSync(join(outdir, CHUNKS)).map((f) => join(CHUNKS, f));
  const lazy: Record<string, ScriptSize> = {};
  for (const f of chunks.filter((c) => c.endsWith('.js') && !overview.includes(c))) {
    lazy[f] = sizeOf(outdir, [f]);
  }
  return { ...sizeOf(outdir, overview), lazy };
}

/** Bundles src/main.tsx (React included, minified) and copies index.html and the stylesheet next to it. */
export async function buildUi(outdir = UI_DIST): Promise<string> {
  // A fresh folder, so assets of an older build never linger next to the new one.
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await Bun.build({
    entrypoints: [join(SRC, 'main.tsx')],
    outdir,
    target: 'browser',
    minify: true,
    sourcemap: 'linked',
    // The chart screens are `import()`ed: their code and uPlot's land in chunks the overview never loads.
    splitting: true,
    naming: { entry: '[name].[ext]', chunk: `${CHUNKS}/[name]-[hash].[ext]`, asset: '[name].[ext]' },
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  if (!result.success) {
    const messages = result.logs.map((l) => String(l)).join('\n');
    throw new Error(`operator UI build failed:\n${messages}`);
  }
  copyFileSync(join(SRC, 'index.html'), join(outdir, 'index.html'));
  copyFileSync(join(SRC, 'styles.css'), join(outdir, 'styles.css'));
  // uPlot's stylesheet and the chart screens' own, linked by the chart code when a chart first shows.
  writeFileSync(
    join(outdir, 'charts.css'),
    [
      readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
      readFileSync(join(SRC, 'charts/charts.css'), 'utf8'),
    ].join('\n'),
  );
  mkdirSync(join(outdir, CHUNKS), { recursive: true });
  copyKoreanFont(outdir);
  return outdir;
}

/** Builds only when dist/ has no index.html (tests call this so a fresh checkout just works). */
export async function ensureUiBuilt(outdir = UI_DIST): Promise<string> {
  if (existsSync(join(outdir, 'index.html')) && existsSync(join(outdir, 'main.js'))) return outdir;
  return buildUi(outdir);
}

if (import.meta.main) {
  const at = process.argv.indexOf('--outdir');
  const started = performance.now();
  const out = await buildUi(at > 0 ? process.argv[at + 1] : undefined);
  console.log(`operator UI built into ${out} in ${Math.round(performance.now() - started)} ms`);
  const size = scriptSize(out);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `overview JavaScript: ${kb(size.bytes)}, ${kb(size.gzip)} gzipped (budget ${kb(JS_BUDGET_GZIP)} gzipped)`,
  );
  for (const [file, s] of Object.entries(size.lazy)) {
    console.log(`  loaded with a chart screen: ${file} ${kb(s.bytes)}, ${kb(s.gzip)} gzipped`);
  }
  if (size.gzip > JS_BUDGET_GZIP) process.exitCode = 1;
}
