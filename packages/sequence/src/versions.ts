// The versions of a package the station holds: installed ones at `<sequences_dir>/.installed/<name>/<version>/`
// (see install.ts) side by side with the plain folder `<sequences_dir>/<name>/` an engineer may keep
// editing in place. A batch's version rule (`latest` or an exact version) picks among them (`resolveVersion`).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SequenceError } from './errors.ts';
import { hashPackage } from './hash.ts';
import { MANIFEST_FILE } from './manifest.ts';
import { SEMVER_PATTERN } from './manifest-schema.ts';
import { isValidPackageName } from './names.ts';
import { parseManifestOf, readCachedManifest } from './package-cache.ts';
import { resolvePackageDir } from './paths.ts';

/** The folder under sequences_dir that holds installed versions (hidden: not a package name). */
export const INSTALLED_DIR = '.installed';
/** The record written into each installed version's folder (not part of the hash or the archive). */
export const RECORD_FILE = '.install.json';
const SEMVER = new RegExp(SEMVER_PATTERN);

/** One version of a package the station can run. */
export interface PackageVersion {
  name: string;
  version: string;
  hash: string;
  /** ISO time of the install; for the plain folder, its manifest's modification time. */
  installedAt: string;
  /** `installed`: uploaded, never changed; `folder`: the plain folder `<sequences_dir>/<name>/`. */
  source: 'installed' | 'folder';
  dir: string;
}

/** A batch's version rule: `latest` or an exact semantic version. */
export type VersionRule = string;

/** Orders versions by semantic version precedence (build metadata ignored). */
export function compareVersions(a: string, b: string): number {
  return Bun.semver.order(a, b);
}

function readRecord(dir: string): { hash?: string; installedAt?: string } {
  try {
    const raw: unknown = JSON.parse(readFileSync(join(dir, RECORD_FILE), 'utf8'));
    if (raw && typeof raw === 'object') return raw as { hash?: string; installedAt?: string };
  } catch {
    // No record (an interrupted install): the hash is computed, the time is the folder's.
  }
  return {};
}

/** Where checked manifests are kept (`<data_dir>/cache`): a folder's version is read from its entry. */
export interface VersionOptions {
  cacheDir?: string;
}

function folderVersion(
  sequencesDir: string,
  name: string,
  options: VersionOptions,
): PackageVersion | undefined {
  let dir: string;
  try {
    dir = resolvePackageDir(sequencesDir, name);
  } catch {
    return undefined;
  }
  try {
    const manifestPath = join(dir, MANIFEST_FILE);
    const hash = hashPackage(dir);
    // The checked manifest of this very content, when it loaded before; else the manifest parsed (once).
    const cached = options.cacheDir === undefined ? undefined : readCachedManifest(options.cacheDir, hash);
    const version = (cached ?? parseManifestOf(hash, readFileSync(manifestPath, 'utf8'))).manifest?.version;
    if (typeof version !== 'string' || !SEMVER.test(version)) return undefined;
    const installedAt = statSync(manifestPath).mtime.toISOString();
    return { name, version, hash, installedAt, source: 'folder', dir };
  } catch {
    return undefined;
  }
}

/**
 * Every version of package `name` the station holds (installed ones and the plain folder when its
 * manifest names a version), newest first. An installed version and the folder with the same version
 * number: the installed one is listed, the folder is not (it cannot replace an installed version).
 */
export function packageVersions(
  sequencesDir: string,
  name: string,
  options: VersionOptions = {},
): PackageVersion[] {
  if (!isValidPackageName(name)) return [];
  const out: PackageVersion[] = [];
  const base = join(sequencesDir, INSTALLED_DIR, name);
  let entries: string[] = [];
  try {
    entries = readdirSync(base, { withFileTypes: true })
      .filter((e) => e.isDirectory() && SEMVER.test(e.name))
      .map((e) => e.name);
  } catch {
    // Nothing installed.
  }
  for (const version of entries) {
    const dir = join(base, version);
    const record = readRecord(dir);
    out.push({
      name,
      version,
      hash: record.hash ?? hashPackage(dir),
      installedAt: record.installedAt ?? statSync(dir).mtime.toISOString(),
      source: 'installed',
      dir,
    });
  }
  const folder = folderVersion(sequencesDir, name, options);
  if (folder && !out.some((v) => v.version === folder.version)) out.push(folder);
  return out.sort((a, b) => compareVersions(b.version, a.version));
}

/** Names that have installed versions (for the package list). */
export function installedNames(sequencesDir: string): string[] {
  try {
    return readdirSync(join(sequencesDir, INSTALLED_DIR), { withFileTypes: true })
      .filter((e) => e.isDirectory() && isValidPackageName(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * The version of `name` a rule picks: the newest for `latest`, else the exact version.
 * Throws NOT_FOUND naming the versions there are.
 */
export function resolveVersion(
  sequencesDir: string,
  name: string,
  rule: VersionRule = 'latest',
  options: VersionOptions = {},
): PackageVersion {
  const versions = packageVersions(sequencesDir, name, options);
  if (versions.length === 0 && rule === 'latest') {
    // Only a plain folder that does not say its version (or none): its own errors, or the loader's.
    const dir = resolvePackageDir(sequencesDir, name);
    return { name, version: '', hash: hashPackage(dir), installedAt: '', source: 'folder', dir };
  }
  const hit = rule === 'latest' ? versions[0] : versions.find((v) => v.version === rule);
  if (hit) return hit;
  const there = versions.map((v) => v.version).join(', ') || 'none';
  throw new SequenceError(
    'NOT_FOUND',
    rule === 'latest'
      ? `no sequence package named "${name}"`
      : `sequence package "${name}" has no version ${rule} (installed: ${there})`,
    { details: { name, version: rule, installed: versions.map((v) => v.version) } },
  );
}
