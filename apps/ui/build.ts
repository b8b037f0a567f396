// Builds the operator UI with Bun's own bundler into apps/ui/dist, the folder the gateway serves.
// Usage: bun apps/ui/build.ts [--outdir path] ; `import { buildUi }` from a test or the launcher.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** apps/ui/dist: where the gateway looks for the UI by default. */
export const UI_DIST = join(import.meta.dir, 'dist');
const SRC = join(import.meta.dir, 'src');

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

/** Bytes of the page's JavaScript as built and as sent gzipped. */
export function scriptSize(outdir = UI_DIST): { bytes: number; gzip: number } {
  const js = readFileSync(join(outdir, 'main.js'));
  return { bytes: js.length, gzip: Bun.gzipSync(js).length };
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
    naming: '[name].[ext]',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  if (!result.success) {
    const messages = result.logs.map((l) => String(l)).join('\n');
    throw new Error(`operator UI build failed:\n${messages}`);
  }
  copyFileSync(join(SRC, 'index.html'), join(outdir, 'index.html'));
  copyFileSync(join(SRC, 'styles.css'), join(outdir, 'styles.css'));
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
  if (size.gzip > JS_BUDGET_GZIP) process.exitCode = 1;
}
