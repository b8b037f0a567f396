// The sequence catalog behind /api/sequences, on @station/sequence: packages are read from disk on each
// request (an engineer edits a manifest and reloads the page), always through resolvePackageDir.

import type { InstalledVersion } from '@station/model';
import {
  ASSETS_DIR,
  isSequenceError,
  listPackages,
  loadPackage,
  type PackageVersion,
  packageVersions,
  resolveAsset,
  resolvePackageDir,
  resolveVersion,
} from '@station/sequence';
import type { UnpackLimits } from '@station/sequence/archive';
import { installPackage } from '@station/sequence/install';
import { ApiError } from './errors.ts';
import type { SequenceCatalog } from './types.ts';

function shown(v: PackageVersion): InstalledVersion {
  return { name: v.name, version: v.version, hash: v.hash, installedAt: v.installedAt, source: v.source };
}

/**
 * The catalog of the packages in `sequencesDir`: a package's detail and assets are its newest version's
 * (installed or the plain folder, see @station/sequence/versions).
 */
export function sequenceCatalog(sequencesDir: string, limits: UnpackLimits = {}): SequenceCatalog {
  return {
    async install(archive) {
      const { created, version } = await installPackage(sequencesDir, archive, limits);
      return { created, version: shown(version) };
    },
    versions(name) {
      return packageVersions(sequencesDir, name).map(shown);
    },
    asset(name, path) {
      try {
        return resolveAsset(packageDir(sequencesDir, name), `${ASSETS_DIR}/${path}`);
      } catch (err) {
        if (isSequenceError(err)) return undefined;
        throw err;
      }
    },
    async list() {
      const packages = await listPackages(sequencesDir);
      return packages.map((p) => ({
        name: p.name,
        version: p.version ?? null,
        description: p.description ?? null,
        valid: p.valid,
        hash: p.hash ?? null,
        problems: p.problems,
        warnings: p.warnings,
      }));
    },
    async get(name) {
      let dir: string;
      try {
        dir = packageDir(sequencesDir, name);
      } catch (err) {
        if (!isSequenceError(err)) throw err;
        if (err.code === 'NOT_FOUND') return undefined;
        // A name that is not a plain folder name, or a symlink that leads out of sequences_dir.
        throw new ApiError('INVALID_NAME', err.message, { details: err.details, cause: err });
      }
      const r = await loadPackage(dir, { sequencesDir });
      const versions = packageVersions(sequencesDir, name).map(shown);
      if (r.ok) {
        const { manifest, hash } = r.package;
        return {
          versions,
          name,
          version: manifest.version,
          description: manifest.description ?? null,
          valid: true,
          hash,
          manifest,
          problems: [],
          warnings: r.warnings,
        };
      }
      return {
        name,
        version: r.version ?? null,
        description: r.description ?? null,
        valid: false,
        hash: null,
        manifest: null,
        versions,
        problems: r.problems,
        warnings: r.warnings,
      };
    },
  };
}

/** The newest version's folder; the plain folder's checks (name, symlink out) when nothing else is there. */
function packageDir(sequencesDir: string, name: string): string {
  try {
    return resolveVersion(sequencesDir, name, 'latest').dir;
  } catch {
    return resolvePackageDir(sequencesDir, name);
  }
}
