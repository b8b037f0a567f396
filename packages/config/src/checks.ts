// Checks a process adds to the file's own: rules that need more than this package knows (the sequence
// packages a batch names, the options their drivers take). They run in the same pass as the schema and
// semantic checks, so one ConfigError lists every problem, located in the file like any other.
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { IssueList } from './report.ts';
import { resolveDir } from './resolve.ts';
import { type HardwareConfig, HardwareSchema } from './schema.ts';
import { pointerSegment } from './tree.ts';

/** A batch whose fields a station check reads passed the file's own checks. */
export interface CheckedBatch {
  /** Position in `batches`, for `report` paths. */
  index: number;
  id: string;
  sequencePackage: string;
  hardware: Readonly<Record<string, HardwareConfig>>;
  /** The batch host that runs it (`batches[].host`); absent = this station's machine. */
  host?: string;
}

/** A field path as segments: `['batches', 0, 'hardware', 'psu', 'bogus']`. */
export type FieldPath = readonly (string | number)[];

/** What a station check gets: the parts of the file it may read, and where to put what it finds. */
export interface StationCheckContext {
  /** The sequences folder (absolute), or undefined when the file's own value for it is already wrong. */
  sequencesDir: string | undefined;
  /** The batches whose id, sequence_package and hardware have no problem of their own, in file order. */
  batches: readonly CheckedBatch[];
  /** Adds a problem at a field; `atKey` points at the key (a name that is wrong) instead of its value. */
  report(path: FieldPath, message: string, options?: { atKey?: boolean }): void;
  /** A value for a message, hidden when it is a secret (see docs/configuration.md, Secrets). */
  describe(path: FieldPath, value: unknown): string;
}

/** A check run by `parseConfigChecked` / `loadCheckedConfig` after the file's own checks. */
export type StationCheck = (ctx: StationCheckContext) => void | Promise<void>;

const CheckableBatch = Type.Object({
  id: Type.String(),
  sequence_package: Type.String(),
  hardware: Type.Record(Type.String(), HardwareSchema),
  host: Type.Optional(Type.String()),
});

function pointerOf(path: FieldPath): string {
  return path.map((s) => `/${pointerSegment(s)}`).join('');
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The context of the checks for `value` (defaulted, maybe invalid) whose problems so far are `issues`. */
export function checkContext(value: unknown, configDir: string, issues: IssueList): StationCheckContext {
  const root = obj(value);
  const dir = obj(root.paths).sequences_dir;
  const sequencesDir =
    typeof dir === 'string' && !issues.hasIssueWithin('/paths/sequences_dir')
      ? resolveDir(configDir, dir)
      : undefined;
  const batches: CheckedBatch[] = [];
  (Array.isArray(root.batches) ? root.batches : []).forEach((batch: unknown, index) => {
    // A problem elsewhere in the batch (a misspelt auto_start) does not hide what the checks would find.
    const faulted = ['id', 'sequence_package', 'hardware'].some((key) =>
      issues.hasIssueWithin(`/batches/${index}/${key}`),
    );
    if (faulted || !Value.Check(CheckableBatch, batch)) return;
    const { host } = batch;
    batches.push({
      index,
      id: batch.id,
      sequencePackage: batch.sequence_package,
      hardware: batch.hardware,
      ...(host === undefined ? {} : { host }),
    });
  });
  return {
    sequencesDir,
    batches,
    report: (path, message, options = {}) => issues.add(pointerOf(path), message, options),
    describe: (path, v) => issues.describe(pointerOf(path), v),
  };
}
