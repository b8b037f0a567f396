import { afterEach, expect, test } from 'bun:test';
import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MIGRATIONS_FOLDER } from '../src/index.ts';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const schemaFile = fileURLToPath(new URL('../src/schema.ts', import.meta.url));

test('drizzle/ holds a migration for every change of schema.ts (drizzle-kit finds nothing to generate)', async () => {
  // drizzle-kit runs on a copy, so a drift shows up as a failure here instead of a stray file in drizzle/.
  const dir = scratch.dir();
  cpSync(DEFAULT_MIGRATIONS_FOLDER, join(dir, 'out'), { recursive: true });
  writeFileSync(
    join(dir, 'cfg.ts'),
    `export default ${JSON.stringify({ dialect: 'sqlite', schema: schemaFile, out: './out' })};\n`,
  );
  const before = readdirSync(join(dir, 'out')).sort();
  const proc = Bun.spawn(
    [join(repoRoot, 'node_modules', '.bin', 'drizzle-kit'), 'generate', '--config', 'cfg.ts'],
    {
      cwd: dir,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  );
  let result: [number, string, string];
  try {
    result = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
  } finally {
    proc.kill();
  }
  const [code, out, err] = result;
  expect({ code, nothingToDo: out.includes('No schema changes'), err }).toEqual({
    code: 0,
    nothingToDo: true,
    err: '',
  });
  expect(readdirSync(join(dir, 'out')).sort()).toEqual(before);
});
