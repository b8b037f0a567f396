// An app bundled into one file (bundle.ts): built with Bun's bytecode when its modules allow it, without
// when they do not, rebuilt when a source changes, and the sources run when it cannot be built at all.
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appBundle } from '../src/bundle.ts';

setDefaultTimeout(30_000);

let dir: string;
let src: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'app-bundle-'));
  src = join(dir, 'apps', 'demo', 'src');
  mkdirSync(src, { recursive: true });
  // A module that reads a file next to its own source, as the migrations and package sources are found.
  writeFileSync(join(src, 'data.txt'), 'found beside the source');
  writeFileSync(
    join(src, 'beside.ts'),
    "import { readFileSync } from 'node:fs';\nexport const beside = () => readFileSync(import.meta.dir + '/data.txt', 'utf8');\n",
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `script` with this Bun; its stdout, trimmed. */
function run(script: string): string {
  const p = Bun.spawnSync([process.execPath, script], { stdout: 'pipe', stderr: 'pipe' });
  expect(p.exitCode).toBe(0);
  return p.stdout.toString().trim();
}

test('a bundle is built with its bytecode, runs as the sources do, and is rebuilt when a source changes', async () => {
  const main = join(src, 'main.ts');
  writeFileSync(main, "import { beside } from './beside.ts';\nconsole.log('one: ' + beside());\n");
  const app = appBundle(main);
  expect(app.bundle).toBe(join(dir, 'apps', 'demo', 'dist', 'main.js'));
  expect(app.isFresh()).toBe(false);

  expect(await app.entry()).toEqual({ main: app.bundle });
  expect(existsSync(`${app.bundle}.jsc`)).toBe(true);
  expect(app.isFresh()).toBe(true);
  // import.meta.dir still names the source's folder, not dist/.
  expect(run(app.bundle)).toBe('one: found beside the source');

  writeFileSync(main, "import { beside } from './beside.ts';\nconsole.log('second: ' + beside());\n");
  expect(app.isFresh()).toBe(false);
  expect(await app.entry()).toEqual({ main: app.bundle });
  expect(run(app.bundle)).toBe('second: found beside the source');

  // A bytecode file that no longer matches the script (a build swapping files under a starting
  // process) is not used: the script is parsed and runs.
  writeFileSync(`${app.bundle}.jsc`, 'not bytecode');
  expect(run(app.bundle)).toBe('second: found beside the source');
  expect(app.isFresh()).toBe(true);
  rmSync(`${app.bundle}.jsc`);
  expect(app.isFresh()).toBe(false);
});

test('modules with a top-level await are bundled without bytecode, and no older bytecode is left', async () => {
  const main = join(src, 'main.ts');
  writeFileSync(main, "import { beside } from './beside.ts';\nconsole.log('sync: ' + beside());\n");
  const app = appBundle(main);
  expect((await app.build()).bytecode).toBe(true);

  writeFileSync(
    main,
    "import { beside } from './beside.ts';\nawait Bun.sleep(1);\nconsole.log('awaited: ' + beside());\n",
  );
  const built = await app.build();
  expect(built.bytecode).toBe(false);
  expect(built.note).toContain('await');
  expect(existsSync(`${app.bundle}.jsc`)).toBe(false);
  expect(app.isFresh()).toBe(true);
  expect(run(app.bundle)).toBe('awaited: found beside the source');
});

test('sources that cannot be bundled run as they are, with the reason', async () => {
  const main = join(src, 'main.ts');
  writeFileSync(main, "import { missing } from './nowhere.ts';\nconsole.log(missing);\n");
  const app = appBundle(main);
  const entry = await app.entry();
  expect(entry.main).toBe(main);
  expect(entry.error).toContain('nowhere');
  expect(existsSync(app.bundle)).toBe(false);
});
