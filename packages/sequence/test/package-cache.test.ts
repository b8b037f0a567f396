// The checked-manifest cache (package-cache.ts) as the runner's start uses it: the version of a plain
// folder is read from the entry of its exact content, and an edited folder is parsed again.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPackage } from '../src/loader.ts';
import { readCachedManifest, writeCachedManifest } from '../src/package-cache.ts';
import { resolveVersion } from '../src/versions.ts';

const EXAMPLE = join(import.meta.dir, '../../../sequences/psu_functional');

let dir: string;
let sequencesDir: string;
let cacheDir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pkg-cache-'));
  sequencesDir = join(dir, 'sequences');
  cacheDir = join(dir, 'cache');
  cpSync(EXAMPLE, join(sequencesDir, 'psu_functional'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("a folder's version comes from the checked entry of its exact content", async () => {
  const uncached = resolveVersion(sequencesDir, 'psu_functional', 'latest', { cacheDir });
  const loaded = await loadPackage(uncached.dir, { sequencesDir, cacheDir });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const entry = readCachedManifest(cacheDir, loaded.package.hash);
  expect(entry?.manifest.version).toBe(loaded.package.manifest.version);

  // Cached: the same answer as a parse.
  const cached = resolveVersion(sequencesDir, 'psu_functional', 'latest', { cacheDir });
  expect(cached).toEqual(uncached);
  expect(cached.version).toBe(loaded.package.manifest.version);
  // The entry is what is read: one planted for this content says what the version is.
  writeCachedManifest(cacheDir, cached.hash, {
    ...entry!,
    manifest: { ...entry!.manifest, version: '9.9.9' },
  });
  expect(resolveVersion(sequencesDir, 'psu_functional', 'latest', { cacheDir }).version).toBe('9.9.9');
});

test('an edited folder is another content: its new version is parsed, not taken from the old entry', async () => {
  const before = resolveVersion(sequencesDir, 'psu_functional', 'latest', { cacheDir });
  expect((await loadPackage(before.dir, { sequencesDir, cacheDir })).ok).toBe(true);
  const manifest = join(before.dir, 'manifest.yaml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^version: .*$/m, 'version: 7.0.1'));
  const after = resolveVersion(sequencesDir, 'psu_functional', 'latest', { cacheDir });
  expect(after.version).toBe('7.0.1');
  expect(after.hash).not.toBe(before.hash);
  const loaded = await loadPackage(after.dir, { sequencesDir, cacheDir });
  expect(loaded.ok && loaded.package.manifest.version).toBe('7.0.1');
});
