// The sequence catalog behind /api/sequences, on @station/sequence: packages are read from disk on each
// request (an engineer edits a manifest and reloads the page), always through resolvePackageDir.
import {
  ASSETS_DIR,
  isSequenceError,
  listPackages,
  loadPackage,
  resolveAsset,
  resolvePackageDir,
} from '@station/sequence';
import { ApiError } from './errors.ts';
import type { SequenceCatalog } from './types.ts';

/** The catalog of the packages in `sequencesDir`. */
export function sequenceCatalog(sequencesDir: string): SequenceCatalog {
  return {
    asset(name, path) {
      try {
        return resolveAsset(resolvePackageDir(sequencesDir, name), `${ASSETS_DIR}/${path}`);
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
        dir = resolvePackageDir(sequencesDir, name);
      } catch (err) {
        if (!isSequenceError(err)) throw err;
        if (err.code === 'NOT_FOUND') return undefined;
        // A name that is not a plain folder name, or a symlink that leads out of sequences_dir.
        throw new ApiError('INVALID_NAME', err.message, { details: err.details, cause: err });
      }
      const r = await loadPackage(dir, { sequencesDir });
      if (r.ok) {
        const { manifest, hash } = r.package;
        return {
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
        problems: r.problems,
        warnings: r.warnings,
      };
    },
  };
}
