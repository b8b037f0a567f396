// loadPackage: reads a sequence package folder and reports every problem in it with its location, or
// yields the typed, hashed package ready to run.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkAssetReferences } from './assets.ts';
import { findDriver } from './driver-check.ts';
import { messageOf, type Problem, SequenceError } from './errors.ts';
import { hashPackage } from './hash.ts';
import { importErrorPosition } from './import-error.ts';
import { MANIFEST_FILE, type ManifestResult, writtenParts } from './manifest.ts';
import type { Manifest } from './manifest-schema.ts';
import { parseManifestOf, readCachedManifest, writeCachedManifest } from './package-cache.ts';
import { isInside, realpathOrUndefined, resolvePackageDir } from './paths.ts';
import type { DriverDefinition, StepFunction } from './sdk.ts';
import { checkSequenceSource, exportLine, SEQUENCE_FILE } from './source-check.ts';
import { INSTALLED_DIR } from './versions.ts';

/** A package that passed every check. */
export interface LoadedPackage {
  manifest: Manifest;
  /** Real path of the package folder. */
  dir: string;
  /** sha256 hex over manifest, sequence.ts and drivers/*.ts (see `hashPackage`). */
  hash: string;
  /** Step functions by step name, exactly the manifest's steps. */
  steps: Record<string, StepFunction>;
  /** Driver definitions by driver name, for every driver the manifest's hardware names. */
  drivers: Record<string, DriverDefinition>;
}

/** The result of `loadPackage`: the package, or all its problems (with what could be read of it). */
export type LoadResult =
  | { ok: true; package: LoadedPackage; problems: []; warnings: Problem[] }
  | {
      ok: false;
      problems: Problem[];
      warnings: Problem[];
      name?: string;
      version?: string;
      description?: string;
    };

/** Options of `loadPackage`. */
export interface LoadOptions {
  /** The only folder packages may be loaded from; checked after resolving symlinks. */
  sequencesDir: string;
  /**
   * Where checked manifests are kept by package hash (`<data_dir>/cache`, see package-cache.ts): a package
   * loaded before skips the manifest's parse and checks. Without it every load parses.
   */
  cacheDir?: string;
}

function rawField(raw: unknown, key: string): string | undefined {
  const v = (raw as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' ? v : undefined;
}

async function importSteps(
  path: string,
  hash: string,
): Promise<{ ok: true; exports: Record<string, unknown> } | { ok: false; problem: Problem }> {
  try {
    return { ok: true, exports: (await import(`${path}?v=${hash}`)) as Record<string, unknown> };
  } catch (err) {
    const at = importErrorPosition(err, path) ?? {};
    const message = `cannot import: ${messageOf(err)}`;
    return { ok: false, problem: { code: 'IMPORT_FAILED', file: SEQUENCE_FILE, ...at, message } };
  }
}

/** Loads and validates the package in `dir`. Never throws for a bad package: problems are returned. */
export async function loadPackage(dir: string, options: LoadOptions): Promise<LoadResult> {
  const root = realpathOrUndefined(options.sequencesDir);
  const real = realpathOrUndefined(dir);
  if (root === undefined || real === undefined) {
    const missing =
      root === undefined ? `sequences directory ${options.sequencesDir}` : `package folder ${dir}`;
    const problems: Problem[] = [{ code: 'NOT_FOUND', file: '.', message: `${missing} does not exist` }];
    return { ok: false, problems, warnings: [] };
  }
  if (!isInside(root, real) || real === root) {
    const message = `package folder ${dir} resolves to ${real}, outside the sequences directory ${root}`;
    return { ok: false, problems: [{ code: 'OUTSIDE_SEQUENCES_DIR', file: '.', message }], warnings: [] };
  }

  const problems: Problem[] = [];
  const manifestPath = join(real, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    problems.push({ code: 'MISSING_FILE', file: MANIFEST_FILE, message: `${MANIFEST_FILE} is missing` });
  }
  const hash = hashPackage(real);
  const cached = options.cacheDir === undefined ? undefined : readCachedManifest(options.cacheDir, hash);
  const parsed: ManifestResult | undefined = cached
    ? { ...cached, problems: [] }
    : existsSync(manifestPath)
      ? parseManifestOf(hash, readFileSync(manifestPath, 'utf8'))
      : undefined;
  problems.push(...(parsed?.problems ?? []));
  const manifest = parsed?.manifest;
  // An installed version lives at `.installed/<name>/<version>/`: its name is the folder above.
  const installed = basename(dirname(dirname(real))) === INSTALLED_DIR;
  const folder = installed ? basename(dirname(real)) : basename(real);
  if (manifest && manifest.name !== folder) {
    problems.push({
      code: 'NAME_MISMATCH',
      file: MANIFEST_FILE,
      ...parsed?.locate?.('/name'),
      path: 'name',
      message: `name "${manifest.name}" differs from the folder name "${folder}"; requests name packages by folder`,
    });
  }

  const seqPath = join(real, SEQUENCE_FILE);
  let exportsOf: Record<string, unknown> | undefined;
  let seqText = '';
  if (!existsSync(seqPath)) {
    problems.push({ code: 'MISSING_FILE', file: SEQUENCE_FILE, message: `${SEQUENCE_FILE} is missing` });
  } else {
    seqText = readFileSync(seqPath, 'utf8');
    problems.push(...checkSequenceSource(seqText));
    problems.push(...checkAssetReferences(real, seqText));
    const imported = await importSteps(seqPath, hash);
    if (imported.ok) exportsOf = imported.exports;
    else problems.push(imported.problem);
  }

  // Checked against what the manifest names even when it has other mistakes: every problem in one pass.
  const written = writtenParts(parsed?.raw);
  const steps: Record<string, StepFunction> = {};
  if (parsed?.raw !== undefined && exportsOf) {
    const listed = new Set(written.steps.map((s) => s.name));
    for (const { name, index } of written.steps) {
      const fn = exportsOf[name];
      if (typeof fn === 'function') {
        steps[name] = fn as StepFunction;
        continue;
      }
      const what = fn === undefined ? 'does not export' : 'exports something other than a function as';
      problems.push({
        code: 'STEP_NOT_EXPORTED',
        file: MANIFEST_FILE,
        ...parsed.locate?.(`/steps/${index}/name`),
        path: `steps[${index}].name`,
        message: `step "${name}" is listed but ${SEQUENCE_FILE} ${what} "${name}"`,
      });
    }
    for (const [name, value] of Object.entries(exportsOf)) {
      if (typeof value !== 'function' || listed.has(name)) continue;
      problems.push({
        code: 'EXPORT_NOT_LISTED',
        file: SEQUENCE_FILE,
        ...exportLine(seqText, name),
        message: `exported function "${name}" is not a step in ${MANIFEST_FILE}; list it or stop exporting it`,
      });
    }
  }

  const drivers: Record<string, DriverDefinition> = {};
  const faulted = new Set<string>();
  for (const { name: hw, driver } of written.hardware) {
    if (drivers[driver] || faulted.has(driver)) continue;
    const found = await findDriver(real, driver, hash);
    if (found.ok) {
      drivers[driver] = found.definition;
      continue;
    }
    faulted.add(driver);
    const missing = found.reason === 'missing';
    problems.push({
      code: missing ? 'UNKNOWN_DRIVER' : 'BAD_DRIVER',
      file: missing ? MANIFEST_FILE : (found.file ?? MANIFEST_FILE),
      ...(missing ? parsed?.locate?.(`/hardware/${hw}/driver`) : found.position),
      path: `hardware.${hw}.driver`,
      message: found.message,
    });
  }

  if (problems.length > 0 || !manifest) {
    return {
      ok: false,
      problems,
      warnings: parsed?.warnings ?? [],
      name: rawField(parsed?.raw, 'name') ?? folder,
      version: rawField(parsed?.raw, 'version'),
      description: rawField(parsed?.raw, 'description'),
    };
  }
  const warnings = parsed?.warnings ?? [];
  if (options.cacheDir !== undefined && !cached) {
    writeCachedManifest(options.cacheDir, hash, { manifest, raw: parsed?.raw, warnings });
  }
  return { ok: true, package: { manifest, dir: real, hash, steps, drivers }, problems: [], warnings };
}

/**
 * Resolves a package name from a request (see `resolvePackageDir`) and loads it; throws INVALID_PACKAGE
 * with `details.problems` when it does not pass.
 */
export async function requirePackage(sequencesDir: string, name: string): Promise<LoadedPackage> {
  const dir = resolvePackageDir(sequencesDir, name);
  const result = await loadPackage(dir, { sequencesDir });
  if (result.ok) return result.package;
  throw new SequenceError(
    'INVALID_PACKAGE',
    `sequence package "${name}" is invalid (${result.problems.length} problems)`,
    {
      details: { problems: result.problems },
    },
  );
}
