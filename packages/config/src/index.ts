// @station/config: loads station.yaml (see docs/configuration.md for every key).

export { parseDuration } from '@station/time';
export type {
  CheckedBatch,
  FieldPath,
  StationCheck,
  StationCheckContext,
} from './checks.ts';
export { authorizedKeys, curveClient, curveKeys, curveServer } from './curve.ts';
export { ConfigError, type ConfigErrorCode, type ConfigIssue, formatIssue } from './errors.ts';
export {
  type ConfigSource,
  configDigestFlag,
  configFlag,
  EXAMPLE_CONFIG_PATH,
  type LoadedConfig,
  type LoadOptions,
  loadCheckedConfig,
  loadConfig,
} from './load.ts';
export { type CheckedParseOptions, type ParseOptions, parseConfig, parseConfigChecked } from './parse.ts';
export { envReferences, REDACTED, redactConfig } from './redact.ts';
export { storePath } from './resolve.ts';
export {
  type BatchConfig,
  type CurveConfig,
  type HardwareConfig,
  type HostConfig,
  ID_PATTERN,
  type LogLevel,
  ROLES,
  type Role,
  type StationConfig,
  StationConfigSchema,
} from './schema.ts';
export {
  dropSecretEnv,
  isSecretName,
  secretValues,
  secretVariables,
  WITHHELD,
  WITHHELD_ENV,
  withWithheld,
} from './secrets.ts';
export type { Env } from './substitute.ts';
export { fastReadDigest } from './tree.ts';
export { closestKey } from './validate.ts';
