// @station/config: loads station.yaml (see docs/configuration.md for every key).
export { parseDuration } from './duration.ts';
export { ConfigError, type ConfigErrorCode, type ConfigIssue, formatIssue } from './errors.ts';
export {
  type ConfigSource,
  configFlag,
  EXAMPLE_CONFIG_PATH,
  type LoadedConfig,
  type LoadOptions,
  loadConfig,
} from './load.ts';
export { type ParseOptions, parseConfig } from './parse.ts';
export { REDACTED, redactConfig } from './redact.ts';
export { storePath } from './resolve.ts';
export {
  type BatchConfig,
  type HardwareConfig,
  ID_PATTERN,
  type LogLevel,
  ROLES,
  type Role,
  type StationConfig,
  StationConfigSchema,
} from './schema.ts';
export type { Env } from './substitute.ts';
