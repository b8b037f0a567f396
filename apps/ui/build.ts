// Builds the operator UI with Bun's own bundler into apps/ui/dist, the folder the gateway serves.
// Usage: bun apps/ui/build.ts [--outdir path] ; `import { buildUi }` from a test or the launcher.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** apps/ui/dist: where the gateway looks for the UI by default. */
export const UI_DIST = join(import.meta.dir, 'dist');
const SRC = join(import.meta.dir, 'src');

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
}
