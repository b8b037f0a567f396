// The station check of what each batch names: its sequence package must exist under sequences_dir, and
// its hardware entries must fit that package and the drivers serving them (no `bogus: 1` a driver does
// not know). Run at start by the processes that run batches (launcher, supervisor) in the same pass as the
// file's own checks, so every mistake is reported at once with its line and column.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckedBatch, FieldPath, StationCheck, StationCheckContext } from '@station/config';
import { closestKey } from '@station/config';
import {
  type HardwareProblem,
  hashPackage,
  isSequenceError,
  MANIFEST_FILE,
  type Manifest,
  packageFolders,
  parseManifest,
  planHardware,
  resolveVersion,
} from '@station/sequence';

/** Package folders under `dir`, for "did you mean" and "packages there" hints. */
function packagesIn(dir: string): string[] {
  try {
    return packageFolders(dir);
  } catch {
    return [];
  }
}

function missingPackageMessage(name: string, sequencesDir: string): string {
  const there = packagesIn(sequencesDir);
  const guess = closestKey(name, there);
  const hint = guess
    ? `did you mean ${guess}?`
    : there.length > 0
      ? `packages there: ${there.join(', ')}`
      : 'the folder has no packages';
  return `no sequence package "${name}" in ${sequencesDir} (${hint})`;
}

/** The manifest when the package's own file is readable and valid; otherwise the runner reports it. */
function readManifest(dir: string): Manifest | undefined {
  try {
    return parseManifest(readFileSync(join(dir, MANIFEST_FILE), 'utf8')).manifest;
  } catch {
    return undefined;
  }
}

const ARTICLE: Record<string, string> = { number: 'a number', integer: 'an integer', string: 'a string' };

function reportHardware(ctx: StationCheckContext, batch: CheckedBatch, p: HardwareProblem): void {
  const entry = Object.hasOwn(batch.hardware, p.hardware) ? batch.hardware[p.hardware] : undefined;
  const at: FieldPath = ['batches', batch.index, 'hardware', p.hardware];
  const given = entry !== undefined && Object.hasOwn(entry, p.option);
  switch (p.kind) {
    case 'driver':
      // A driver the manifest names (the batch did not replace it) is the package's own problem.
      if (entry?.driver !== undefined) ctx.report([...at, 'driver'], p.message);
      return;
    case 'unknown_option': {
      const guess = closestKey(p.option, p.known ?? []);
      const hint = guess ? `did you mean ${guess}?` : `known: ${(p.known ?? []).join(', ') || 'none'}`;
      ctx.report([...at, p.option], `unknown option of driver ${p.driver} (${hint})`, { atKey: true });
      return;
    }
    case 'bad_value': {
      // A manifest default that does not fit is the package's problem; only values written here count.
      if (!given) return;
      const expected = ARTICLE[p.expected ?? ''] ?? p.expected ?? 'another value';
      const found = ctx.describe([...at, p.option], entry?.[p.option]);
      ctx.report([...at, p.option], `expected ${expected}, found ${found} (option of driver ${p.driver})`);
      return;
    }
    case 'missing_option':
      ctx.report([...at, p.option], `required option of driver ${p.driver} is missing`);
      return;
  }
}

async function checkBatch(ctx: StationCheckContext, sequencesDir: string, batch: CheckedBatch) {
  let dir: string;
  try {
    dir = resolveVersion(sequencesDir, batch.sequencePackage, 'latest').dir;
  } catch (err) {
    const message = isSequenceError(err, 'NOT_FOUND')
      ? missingPackageMessage(batch.sequencePackage, sequencesDir)
      : err instanceof Error
        ? err.message
        : String(err);
    ctx.report(['batches', batch.index, 'sequence_package'], message);
    return;
  }
  const manifest = readManifest(dir);
  if (!manifest) return;
  const plan = await planHardware({ manifest, dir, hash: hashPackage(dir), drivers: {} }, batch.hardware);
  for (const name of plan.undeclared) {
    const declared = Object.keys(manifest.hardware).join(', ') || 'none';
    ctx.report(
      ['batches', batch.index, 'hardware', name],
      `sequence package ${batch.sequencePackage} declares no hardware "${name}" (declared: ${declared})`,
      { atKey: true },
    );
  }
  for (const problem of plan.problems) reportHardware(ctx, batch, problem);
}

/**
 * The check of the batches one machine runs: those placed on batch host `host` (its own copy of
 * station.yaml, its own `sequences_dir`), or this station's own when `host` is undefined.
 * @example await loadCheckedConfig({ checks: [batchPackagesCheck('rack-2')] })
 */
export function batchPackagesCheck(host: string | undefined): StationCheck {
  return async (ctx) => {
    const { sequencesDir } = ctx;
    if (sequencesDir === undefined) return;
    for (const batch of ctx.batches) if (batch.host === host) await checkBatch(ctx, sequencesDir, batch);
  };
}

/**
 * Checks every local batch's `sequence_package` and `hardware` against the packages in `sequences_dir`
 * (a batch on a batch host is checked there, against that machine's packages). A package that exists but
 * is itself invalid is left to its runner, which reports its problems on the batch: one broken package
 * does not keep the other batches from starting.
 * @example await loadCheckedConfig({ checks: [checkBatchPackages] })
 */
export const checkBatchPackages: StationCheck = batchPackagesCheck(undefined);
