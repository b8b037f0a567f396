// listPackages: every package folder under sequences_dir with whether it loads, for GET /api/sequences.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from './errors.ts';
import { loadPackage } from './loader.ts';
import { isValidPackageName } from './names.ts';
import { installedNames, resolveVersion } from './versions.ts';

/** One entry of the package list. `name` is the folder name, which is what requests use. */
export interface PackageSummary {
  name: string;
  version: string | undefined;
  description: string | undefined;
  valid: boolean;
  hash: string | undefined;
  problems: Problem[];
  /** Loads, but likely fails at run time (see `timeoutFeedWarnings`). */
  warnings: Problem[];
}

/** The folders in `sequencesDir` whose names are package names, sorted (throws when it cannot be read). */
export function packageFolders(sequencesDir: string): string[] {
  return readdirSync(sequencesDir, { withFileTypes: true })
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && isValidPackageName(e.name))
    .map((e) => e.name)
    .sort();
}

/** The folder a package's newest version is in: installed or the plain folder (which may be broken). */
function latestDir(sequencesDir: string, name: string): string {
  try {
    return resolveVersion(sequencesDir, name, 'latest').dir;
  } catch {
    return join(sequencesDir, name);
  }
}

/**
 * Loads the newest version of every package in `sequencesDir`, plain folders and installed versions
 * (sorted by name); folders whose names are not valid are skipped.
 */
export async function listPackages(sequencesDir: string): Promise<PackageSummary[]> {
  const names = [...new Set([...packageFolders(sequencesDir), ...installedNames(sequencesDir)])].sort();
  const out: PackageSummary[] = [];
  for (const name of names) {
    const r = await loadPackage(latestDir(sequencesDir, name), { sequencesDir });
    out.push(
      r.ok
        ? {
            name,
            version: r.package.manifest.version,
            description: r.package.manifest.description,
            valid: true,
            hash: r.package.hash,
            problems: [],
            warnings: r.warnings,
          }
        : {
            name,
            version: r.version,
            description: r.description,
            valid: false,
            hash: undefined,
            problems: r.problems,
            warnings: r.warnings,
          },
    );
  }
  return out;
}
