// Which sequence version a batch runs: its rule (station.yaml's `sequence_version`, or an engineer's pin
// that replaces it), the version that rule picks for the next run, and what the runner has loaded.
import { type Static, Type as T } from '@sinclair/typebox';
import { literalUnion } from './schema.ts';

const Opt = T.Optional;

/** `latest` or an exact semantic version (build metadata allowed), as a batch's version rule. */
export const VERSION_RULE_PATTERN =
  '^(latest|(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?)$';

/** A version rule: `latest` or an exact version such as `1.2.0`. */
export const VersionRule = T.String({ pattern: VERSION_RULE_PATTERN, maxLength: 128 });

/** Where a batch's rule comes from: station.yaml (`sequence_version`, `latest` when absent) or a pin. */
export const VERSION_RULE_SOURCES = ['config', 'pin'] as const;
export const VersionRuleSource = literalUnion(VERSION_RULE_SOURCES);
export type VersionRuleSource = Static<typeof VersionRuleSource>;

/** One version of a package with its content hash (the hash results record as `packageHash`). */
export const VersionRef = T.Object({ version: T.String(), hash: T.String() });
export type VersionRef = Static<typeof VersionRef>;

/** Where an installed version lives: `installed` (uploaded through the API) or `folder` (sequences_dir/<name>/). */
export const INSTALLED_SOURCES = ['installed', 'folder'] as const;

/** One version of a package the station holds (`versions` of `GET /api/sequences/{name}`, an upload's answer). */
export const InstalledVersion = T.Object({
  name: T.String(),
  version: T.String(),
  hash: T.String(),
  installedAt: T.String(),
  source: literalUnion(INSTALLED_SOURCES),
});
export type InstalledVersion = Static<typeof InstalledVersion>;

/** `GET`/`POST /api/batches/{id}/sequence/version`: what a batch runs and what its next run takes. */
export const BatchVersion = T.Object({
  batchId: T.String(),
  /** The batch's sequence package (station.yaml `sequence_package`). */
  sequence: T.String(),
  rule: VersionRule,
  source: VersionRuleSource,
  /** For a pin: when and by whom (API key name, token subject, or `local`). */
  pinnedAt: Opt(T.String()),
  pinnedBy: Opt(T.String()),
  /** The version the rule picks now: what the next run loads. Null when the rule finds none. */
  next: T.Union([VersionRef, T.Null()]),
  /** The version the batch's runner has loaded (what runs now, or ran last); absent without a runner. */
  loaded: Opt(VersionRef),
  /** Whether a run is in progress (on `loaded`; the switch to `next` waits for its end). */
  sequenceRunning: T.Boolean(),
});
export type BatchVersion = Static<typeof BatchVersion>;

/** The body of `POST /api/batches/{id}/sequence/version`. */
export const PinVersionBody = T.Object({ version: VersionRule }, { additionalProperties: false });
export type PinVersionBody = Static<typeof PinVersionBody>;
