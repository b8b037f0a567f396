// An app's entry point bundled into one file, for processes that start often (a batch runner starts at
// every station start, for every batch). Loading hundreds of TypeScript modules costs most of such a start;
// one bundled file parses once, and with Bun's bytecode cache next to it (`main.js.jsc`) it is not even
// parsed (docs/runner.md, "Start-up"). Whoever spawns the app asks `entry()` for the script to run: the
// bundle, built again first when it is missing or older than the sources, or the sources themselves when
// it cannot be built, so an edited source never runs stale and a failed build is never a failed start.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BunPlugin } from 'bun';

/** Every input of a bundle with its size and modification time, the Bun that built it, and its form. */
interface Inputs {
  bun: string;
  /** Whether `main.js.jsc` (the bytecode of `main.js`) was built with it. */
  bytecode: boolean;
  files: Record<string, [size: number, mtimeMs: number]>;
}

/** The outcome of a build: the script to run and whether Bun's bytecode for it was written. */
export interface BuiltBundle {
  main: string;
  bytecode: boolean;
  /** Why there is no bytecode (the bytecode build's own error), when there is none. */
  note?: string;
}

export interface AppBundle {
  /** The entry point (TypeScript sources). */
  readonly source: string;
  /** The bundle built from it: `<app>/dist/main.js`. */
  readonly bundle: string;
  /** Whether the bundle exists and was built by this Bun from the sources exactly as they are now. */
  isFresh(): boolean;
  /** Builds the bundle; throws with Bun's messages when it cannot be built at all. */
  build(): Promise<BuiltBundle>;
  /** The script to spawn: the bundle (built first when stale), or the sources with the reason it is not. */
  entry(): Promise<{ main: string; error?: string }>;
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
 * The bundle of the app whose entry point is `source` (`<app>/src/main.ts`), written to `outDir`
 * (default `<app>/dist`).
 * @example appBundle('/repo/apps/batch-runner/src/main.ts').entry() // { main: '/repo/apps/batch-runner/dist/main.js' }
 */
export function appBundle(source: string, outDir = join(dirname(dirname(source)), 'dist')): AppBundle {
  const bundle = join(outDir, 'main.js');
  const bytecodeFile = `${bundle}.jsc`;
  const inputsFile = join(outDir, 'inputs.json');

  async function bunBuild(tmp: string, bytecode: boolean) {
    return Bun.build({
      entrypoints: [source],
      outdir: tmp,
      target: 'bun',
      // Bun's bytecode cache needs CommonJS (no top-level await anywhere in the module graph).
      format: bytecode ? 'cjs' : 'esm',
      bytecode,
      // Identifiers stay as written: class names appear in logs and error reports.
      minify: { whitespace: true, syntax: true, identifiers: false },
      sourcemap: 'linked',
      metafile: true,
      plugins: [pinImportMeta],
      // A failed build reports through `success` and `logs` (the bytecode attempt falls back on them).
      throw: false,
    });
  }

  /**
   * Builds with bytecode, else (a module that cannot be CommonJS) without. Each file is replaced by a
   * rename, the bytecode before the script and the inputs list last: a process spawned meanwhile reads the
   * old script or the new one, never a part of one (with the other's bytecode, Bun finds it does not match
   * the script and parses the script instead).
   */
  async function build(): Promise<BuiltBundle> {
    const tmp = `${outDir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    try {
      let result = await bunBuild(tmp, true);
      let note: string | undefined;
      if (!result.success) {
        note = result.logs.map((l) => String(l)).join('; ');
        rmSync(tmp, { recursive: true, force: true });
        result = await bunBuild(tmp, false);
        if (!result.success) {
          throw new Error(`bundle of ${source} failed: ${result.logs.map((l) => String(l)).join('; ')}`);
        }
      }
      const bytecode = note === undefined;
      const files: Inputs['files'] = {};
      for (const input of Object.keys(result.metafile?.inputs ?? {})) {
        const path = resolve(input);
        files[path] = stamp(path);
      }
      writeFileSync(
        join(tmp, 'inputs.json'),
        JSON.stringify({ bun: Bun.version, bytecode, files } satisfies Inputs),
      );
      mkdirSync(outDir, { recursive: true });
      if (!bytecode) rmSync(bytecodeFile, { force: true });
      const names = [...(bytecode ? ['main.js.jsc'] : []), 'main.js.map', 'main.js', 'inputs.json'];
      for (const name of names) renameSync(join(tmp, name), join(outDir, name));
      return { main: bundle, bytecode, ...(note === undefined ? {} : { note }) };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  function isFresh(): boolean {
    try {
      const inputs = JSON.parse(readFileSync(inputsFile, 'utf8')) as Partial<Inputs>;
      if (inputs.bun !== Bun.version || inputs.files === undefined) return false;
      const entries = Object.entries(inputs.files);
      if (!entries.some(([path]) => path === source)) return false;
      statSync(bundle);
      if (inputs.bytecode) statSync(bytecodeFile);
      return entries.every(([path, [size, mtimeMs]]) => {
        const [s, m] = stamp(path);
        return s === size && m === mtimeMs;
      });
    } catch {
      return false;
    }
  }

  async function entry(): Promise<{ main: string; error?: string }> {
    if (isFresh()) return { main: bundle };
    try {
      return { main: (await build()).main };
    } catch (err) {
      return { main: source, error: err instanceof Error ? err.message : String(err) };
    }
  }

  return { source, bundle, isFresh, build, entry };
}
