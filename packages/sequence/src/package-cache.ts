// The checked manifest of a package that loaded without problems, kept on disk under its content hash,
// so a runner that starts again on the same package skips the YAML parse and the manifest checks (for a
// 1,000-step package they are most of the start: over a second on a loaded 2-core PC). The key is the
// package's hash (manifest, sequence.ts, drivers) and this package's own source, so an edited package or
// a new station version with other rules never reads an old entry. Everything here is best effort: a
// missing, unreadable or foreign entry means "parse it again", and a write that fails is forgotten.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ManifestResult, parseManifest } from './manifest.ts';
import type { Manifest } from './manifest-schema.ts';

/** What an entry holds: the parsed manifest, its raw data (step and hardware names) and its warnings. */
export interface CachedManifest {
  manifest: Manifest;
  raw: unknown;
  warnings: ManifestResult['warnings'];
}

let sourceHash: string | undefined;

/** sha256 of this package's source files: the rules a cached entry was checked with. */
function checkerVersion(): string {
  if (sourceHash === undefined) {
    const h = createHash('sha256');
    for (const file of readdirSync(import.meta.dir).sort()) {
      if (!file.endsWith('.ts')) continue;
      h.update(`${file}\0`);
      h.update(readFileSync(join(import.meta.dir, file)));
    }
    sourceHash = h.digest('hex');
  }
  return sourceHash;
}

function entryPath(cacheDir: string, packageHash: string): string {
  const key = createHash('sha256').update(`${packageHash}\0${checkerVersion()}`).digest('hex');
  return join(cacheDir, 'packages', `${key}.json`);
}

/** The entry for a package of this hash, or undefined (none, unreadable, or not one of ours). */
export function readCachedManifest(cacheDir: string, packageHash: string): CachedManifest | undefined {
  try {
    const entry = JSON.parse(readFileSync(entryPath(cacheDir, packageHash), 'utf8')) as unknown;
    if (entry === null || typeof entry !== 'object') return undefined;
    const { manifest, raw, warnings } = entry as Partial<CachedManifest>;
    if (manifest === undefined || !Array.isArray(warnings)) return undefined;
    return { manifest, raw, warnings };
  } catch {
    return undefined;
  }
}

/**
 * Keeps the manifest of a package that loaded without problems. Only an entry that reads back exactly as
 * it was parsed is written (a value JSON cannot carry would come back changed).
 */
export function writeCachedManifest(cacheDir: string, packageHash: string, entry: CachedManifest): void {
  try {
    const text = JSON.stringify(entry);
    if (!Bun.deepEquals(JSON.parse(text), entry)) return;
    const path = entryPath(cacheDir, packageHash);
    mkdirSync(join(cacheDir, 'packages'), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch {
    // A cache that cannot be written only costs the next start the parse.
  }
}

/** The manifest parsed last in this process, by its package's hash (see `parseManifestOf`). */
let lastParse: { hash: string; text: string; result: ManifestResult } | undefined;

/**
 * `parseManifest(text)` of the package of `hash`, parsed once per process: resolving a folder's version
 * and then loading it read the same manifest, and for a 1,000-step package each parse is a third of a
 * second. Only the last package is kept (a runner holds one).
 */
export function parseManifestOf(hash: string, text: string): ManifestResult {
  if (lastParse?.hash === hash && lastParse.text === text) return lastParse.result;
  const result = parseManifest(text);
  lastParse = { hash, text, result };
  return result;
}
