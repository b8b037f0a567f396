// Installing an uploaded package archive (`POST /api/sequences`): unpacked safely, validated, then moved
// to `<sequences_dir>/.installed/<name>/<version>/` in one rename. A version names one content:
// installing it again with the same files (the same hash) changes nothing, with other files it is refused.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type UnpackLimits, unpackArchive } from './archive.ts';
import { SequenceError } from './errors.ts';
import { loadPackage } from './loader.ts';
import { INSTALLED_DIR, type PackageVersion, packageVersions, RECORD_FILE } from './versions.ts';

/** What `installPackage` did. */
export interface InstallOutcome {
  /** False when the same version with the same files was already installed (nothing changed). */
  created: boolean;
  version: PackageVersion;
}

export interface InstallOptions extends UnpackLimits {
  /** The install time (default: now). */
  now?: () => number;
}

function taken(existing: PackageVersion, hash: string): SequenceError {
  return new SequenceError(
    'VERSION_TAKEN',
    `${existing.name} ${existing.version} is already installed with other content (installed hash ${existing.hash}, this archive ${hash}): raise the version in manifest.yaml`,
    { details: { name: existing.name, version: existing.version, installedHash: existing.hash, hash } },
  );
}

/**
 * Installs a package archive (see the module comment). Throws BAD_ARCHIVE for bytes that are not a safe
 * package archive, INVALID_PACKAGE with `details.problems` (every problem, located) for a package that
 * does not validate, VERSION_TAKEN when the version is installed with other content.
 */
export async function installPackage(
  sequencesDir: string,
  bytes: Uint8Array,
  opts: InstallOptions = {},
): Promise<InstallOutcome> {
  const root = join(sequencesDir, INSTALLED_DIR);
  const incoming = join(root, '.incoming');
  mkdirSync(incoming, { recursive: true });
  const tmp = mkdtempSync(join(incoming, 'upload-'));
  try {
    const { name, dir } = unpackArchive(bytes, tmp, opts);
    const loaded = await loadPackage(dir, { sequencesDir: tmp });
    if (!loaded.ok) {
      throw new SequenceError(
        'INVALID_PACKAGE',
        `sequence package ${name} is invalid (${loaded.problems.length} problem${loaded.problems.length === 1 ? '' : 's'})`,
        { details: { name, version: loaded.version ?? null, problems: loaded.problems } },
      );
    }
    const { version } = loaded.package.manifest;
    const hash = loaded.package.hash;
    const target = join(root, name, version);
    const existing = () => packageVersions(sequencesDir, name).find((v) => v.version === version);
    const already = existing();
    if (already) {
      if (already.hash === hash) return { created: false, version: already };
      throw taken(already, hash);
    }
    const installedAt = new Date((opts.now ?? Date.now)()).toISOString();
    writeFileSync(join(dir, RECORD_FILE), `${JSON.stringify({ hash, installedAt })}\n`);
    mkdirSync(join(root, name), { recursive: true });
    try {
      renameSync(dir, target);
    } catch (err) {
      // Another upload of this version won the race: the same rule as above applies to it.
      const raced = existsSync(target) ? existing() : undefined;
      if (!raced) throw err;
      if (raced.hash === hash) return { created: false, version: raced };
      throw taken(raced, hash);
    }
    return {
      created: true,
      version: { name, version, hash, installedAt, source: 'installed', dir: target },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
