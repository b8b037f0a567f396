// The runner as one file. A runner's start used to spend most of its time loading ~600 modules (Bun
// reading and transpiling each TypeScript file, then evaluating it); bundled into one JavaScript file it
// parses once (docs/runner.md, "Start-up"). `bun apps/batch-runner/build.ts` builds it (npm's postinstall
// does); the supervisor checks at start that the bundle was built from the sources as they are now and
// builds it again when not (`runnerEntry`), so an edited source never runs stale.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BunPlugin } from 'bun';

/** apps/batch-runner's entry point (the sources). */
export const RUNNER_SOURCE = fileURLToPath(new URL('./src/main.ts', import.meta.url));
/** The bundle built from it. */
export const RUNNER_BUNDLE = fileURLToPath(new URL('./dist/main.js', import.meta.url));
/** Every input of the bundle with its size and modification time, and the Bun that built it. */
const INPUTS = join(dirname(RUNNER_BUNDLE), 'inputs.json');

interface Inputs {
  bun: string;
  files: Record<string, [size: number, mtimeMs: number]>;
}

/**
 * Our own modules find files next to their source (the drizzle/ migrations, the example config, the
 * sequence package's own sources): `import.meta.url` and `import.meta.dir` are pinned to each source
 * file's place, as if it ran unbundled.
 */
const pinImportMeta: BunPlugin = {
  name: 'pin-import-meta',
  setup(build) {
    build.onLoad({ filter: /\/(apps|packages)\/[^/]+\/src\/.*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      const dir = JSON.stringify(dirname(args.path));
      const pinned = text.replace(/\bimport\.meta\.(url|dir)\b(?!name)/g, (_, what: string) =>
        what === 'url' ? url : dir,
      );
      return { contents: pinned, loader: 'ts' };
    });
  },
};

function stamp(path: string): [number, number] {
  const s = statSync(path);
  return [s.size, s.mtimeMs];
}

/**
 * Builds the bundle (and its inputs list); throws with Bun's messages when the build fails. Each file is
 * replaced by a rename, the inputs list last: a runner spawned meanwhile (another supervisor, a parallel
 * test) reads either the old bundle or the new one, never a part of one.
 */
export async function buildRunner(): Promise<string> {
  const out = dirname(RUNNER_BUNDLE);
  const tmp = `${out}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const result = await Bun.build({
      entrypoints: [RUNNER_SOURCE],
      outdir: tmp,
      target: 'bun',
      // Identifiers stay as written: class names appear in logs and error reports.
      minify: { whitespace: true, syntax: true, identifiers: false },
      sourcemap: 'linked',
      metafile: true,
      plugins: [pinImportMeta],
    });
    if (!result.success) {
      throw new Error(`runner bundle failed: ${result.logs.map((l) => String(l)).join('; ')}`);
    }
    const files: Inputs['files'] = {};
    for (const input of Object.keys(result.metafile?.inputs ?? {})) {
      const path = resolve(input);
      files[path] = stamp(path);
    }
    writeFileSync(join(tmp, 'inputs.json'), JSON.stringify({ bun: Bun.version, files } satisfies Inputs));
    mkdirSync(out, { recursive: true });
    for (const name of ['main.js.map', 'main.js', 'inputs.json'])
      renameSync(join(tmp, name), join(out, name));
    return RUNNER_BUNDLE;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Whether the bundle exists and was built by this Bun from the sources exactly as they are now. */
export function bundleIsFresh(): boolean {
  try {
    const inputs = JSON.parse(readFileSync(INPUTS, 'utf8')) as Inputs;
    if (inputs.bun !== Bun.version) return false;
    const entries = Object.entries(inputs.files);
    if (!entries.some(([path]) => path === RUNNER_SOURCE)) return false;
    statSync(RUNNER_BUNDLE);
    return entries.every(([path, [size, mtimeMs]]) => {
      const [s, m] = stamp(path);
      return s === size && m === mtimeMs;
    });
  } catch {
    return false;
  }
}

/**
 * The script a runner is spawned with: the bundle, built first when missing or stale. When it cannot be
 * built (a read-only install, a build error), the sources, with the reason for the log: a slower start,
 * never a failed one.
 */
export async function runnerEntry(): Promise<{ main: string; error?: string }> {
  if (bundleIsFresh()) return { main: RUNNER_BUNDLE };
  try {
    return { main: await buildRunner() };
  } catch (err) {
    return { main: RUNNER_SOURCE, error: err instanceof Error ? err.message : String(err) };
  }
}

if (import.meta.main) {
  const t0 = performance.now();
  await buildRunner();
  console.log(`apps/batch-runner: bundled to ${RUNNER_BUNDLE} in ${Math.round(performance.now() - t0)} ms`);
}
