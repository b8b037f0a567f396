// @station/sequence: the sequence package format, its loader and validator, the step author's SDK, the
// simulated drivers, and the executor. See docs/sequence-format.md.
export { ASSETS_DIR, assetProblem, assetUrl, checkAssetReferences, resolveAsset } from './assets.ts';
export {
  type CommandInfo,
  instrument,
  listCommands,
  type ParamProblem,
  runCommand,
  runManualCommand,
  validateCommandParams,
} from './commands.ts';
export { definitionProblem, driverShapeProblem, findDriver } from './driver-check.ts';
export { BUILTIN_DRIVERS, isSimulatedSource, type SimulatedSource, seededRandom } from './drivers/index.ts';
export { toMilliseconds } from './duration.ts';
export {
  checkStartDut,
  DEFAULT_DUT_SPEC,
  type DutSpec,
  SERIAL_MODES,
  type SerialMode,
  serialProblem,
  serialRegExp,
} from './dut.ts';
export { type Clock, DEFAULT_GRACE_MS, type RunOptions, runSequence } from './engine.ts';
export {
  formatProblem,
  isSequenceError,
  type Problem,
  type ProblemCode,
  SequenceError,
  type SequenceErrorCode,
} from './errors.ts';
export { checkField, type FieldMismatch } from './fields.ts';
export { type HardwareSet, openHardware, safeStateAll } from './hardware.ts';
export {
  type HardwareConfigMap,
  type HardwarePackage,
  type HardwarePlan,
  type HardwareProblem,
  planHardware,
} from './hardware-plan.ts';
export { hashPackage, packageFiles } from './hash.ts';
export { judgeMeasurements, limitViolation } from './limits.ts';
export { listPackages, type PackageSummary, packageFolders } from './list.ts';
export {
  type LoadedPackage,
  type LoadOptions,
  type LoadResult,
  loadPackage,
  requirePackage,
} from './loader.ts';
export { MANIFEST_FILE, type ManifestResult, parseManifest } from './manifest.ts';
export type { HardwareSpec, Manifest, MeasurementSpec, ParameterSpec, StepSpec } from './manifest-schema.ts';
export { DEFAULT_STEP_TIMEOUT_MS } from './manifest-schema.ts';
export { isValidPackageName, PACKAGE_NAME_PATTERN, PACKAGE_NAME_RULE } from './names.ts';
export { type ParameterProblem, resolveParameters } from './parameters.ts';
export { resolvePackageDir } from './paths.ts';
export {
  answerProblem,
  MAX_TEXT_ANSWER,
  type OperatorPrompt,
  type PromptAnswer,
  type PromptClosed,
  PromptDesk,
  type PromptEnd,
  type PromptKind,
  type PromptListener,
  type PromptRequest,
  requestProblem,
} from './prompt.ts';
export * from './results.ts';
export * from './sdk.ts';
export { sleep } from './sleep.ts';
export {
  compareVersions,
  INSTALLED_DIR,
  installedNames,
  type PackageVersion,
  packageVersions,
  resolveVersion,
  type VersionOptions,
  type VersionRule,
} from './versions.ts';
