// The data shapes that cross the bus (SPEC §4), as TypeBox schemas: one definition for every service.
import { type Static, Type as T } from '@sinclair/typebox';
import { RunUnit, VerdictSchema } from './dut.ts';

const Opt = T.Optional;

export const BatchState = T.Union([
  T.Literal('idle'),
  T.Literal('starting'),
  T.Literal('running'),
  T.Literal('stopping'),
  T.Literal('error'),
]);
export type BatchState = Static<typeof BatchState>;

export const ErrorInfo = T.Object({
  code: T.String(),
  message: T.String(),
  at: Opt(T.String()),
  details: Opt(T.Unknown()),
});
export type ErrorInfo = Static<typeof ErrorInfo>;

export const LastResult = T.Object({
  executionId: T.String(),
  status: T.String(),
  overallPass: T.Union([T.Boolean(), T.Null()]),
  completedAt: Opt(T.String()),
  duration: Opt(T.Number()),
  /** Set when the run ended in an error rather than a verdict (STORAGE_FULL: its results could not be stored). */
  errorCode: Opt(T.String()),
  /** What the run said about its unit: PASS, FAIL, ERROR (the station ended it) or ABORTED. */
  verdict: Opt(VerdictSchema),
  /** The unit the run was of. */
  dut: Opt(RunUnit),
});
export type LastResult = Static<typeof LastResult>;

/** SPEC §4 BatchStatus, plus what a card on the operator's screen needs (last result, last error). */
export const BatchStatus = T.Object({
  id: T.String(),
  name: T.String(),
  status: BatchState,
  pid: Opt(T.Integer()),
  currentStep: Opt(T.String()),
  stepIndex: Opt(T.Integer()),
  totalSteps: Opt(T.Integer()),
  progress: Opt(T.Number({ minimum: 0, maximum: 1 })),
  sequenceName: Opt(T.String()),
  sequenceVersion: Opt(T.String()),
  startedAt: Opt(T.String()),
  elapsed: Opt(T.Number()),
  executionId: Opt(T.String()),
  sequenceRunning: Opt(T.Boolean()),
  /** The unit under test while a run is in progress; null between runs. */
  dut: Opt(T.Union([RunUnit, T.Null()])),
  lastResult: Opt(LastResult),
  lastError: Opt(ErrorInfo),
});
export type BatchStatus = Static<typeof BatchStatus>;

export const StepState = T.Union([
  T.Literal('pending'),
  T.Literal('running'),
  T.Literal('completed'),
  T.Literal('failed'),
  T.Literal('skipped'),
]);

export const MeasurementShape = T.Object({
  name: T.String(),
  value: T.Unknown(),
  unit: Opt(T.Union([T.String(), T.Null()])),
  low: Opt(T.Union([T.Number(), T.Null()])),
  high: Opt(T.Union([T.Number(), T.Null()])),
  equals: Opt(T.Unknown()),
  pass: T.Union([T.Boolean(), T.Null()]),
});

/** SPEC §4 StepResult. */
export const StepResultShape = T.Object({
  name: T.String(),
  order: T.Integer(),
  status: StepState,
  pass: T.Union([T.Boolean(), T.Null()]),
  startedAt: Opt(T.Union([T.String(), T.Null()])),
  completedAt: Opt(T.Union([T.String(), T.Null()])),
  duration: Opt(T.Union([T.Number(), T.Null()])),
  result: Opt(T.Unknown()),
  error: Opt(T.Union([T.String(), T.Null()])),
  measurements: Opt(T.Array(MeasurementShape)),
});
export type StepResultShape = Static<typeof StepResultShape>;

export const ManualCommand = T.Object({
  hardware: T.String(),
  command: T.String(),
  description: Opt(T.String()),
  params: Opt(T.Unknown()),
});
export type ManualCommand = Static<typeof ManualCommand>;

export const PackageInfo = T.Object({
  name: T.String(),
  version: T.String(),
  hash: Opt(T.String()),
  description: Opt(T.String()),
});

/** A question a step is asking the operator (`operator_prompt`), open until answered, timed out or cancelled. */
export const OperatorPrompt = T.Object({
  id: T.String(),
  executionId: T.String(),
  step: T.String(),
  kind: T.Union([T.Literal('confirm'), T.Literal('choice'), T.Literal('text'), T.Literal('number')]),
  message: T.String(),
  /** The choices of a `choice` prompt. */
  options: Opt(T.Array(T.String())),
  /** A `text` prompt's regular expression; the whole answer must match. */
  pattern: Opt(T.String()),
  min: Opt(T.Number()),
  max: Opt(T.Number()),
  unit: Opt(T.String()),
  /** URL of a picture from the package's assets, served by the gateway. */
  image: Opt(T.String()),
  openedAt: T.String(),
  deadline: T.String(),
});
export type OperatorPrompt = Static<typeof OperatorPrompt>;

/** An answer: a boolean (confirm), an option (choice), text, or a number. */
export const PromptAnswer = T.Union([T.Boolean(), T.String(), T.Number()]);

/** How a prompt ended (`operator_prompt_closed`). */
export const PromptClosed = T.Object({
  id: T.String(),
  executionId: T.String(),
  step: T.String(),
  status: T.Union([T.Literal('answered'), T.Literal('timed_out'), T.Literal('cancelled')]),
  answer: Opt(PromptAnswer),
  /** API key name or token subject of whoever answered, or `local` on a station without auth. */
  answeredBy: Opt(T.String()),
  closedAt: T.String(),
});
export type PromptClosed = Static<typeof PromptClosed>;

export const ExecutionSnapshot = T.Object({
  executionId: T.String(),
  status: T.String(),
  startedAt: T.String(),
  currentStep: Opt(T.String()),
  stepIndex: Opt(T.Integer()),
  totalSteps: T.Integer(),
  progress: T.Number(),
  steps: T.Array(StepResultShape),
  /** The question waiting for the operator, while one is. */
  prompt: Opt(OperatorPrompt),
  dut: Opt(RunUnit),
});
export type ExecutionSnapshot = Static<typeof ExecutionSnapshot>;

/** What a runner reports about itself (`runner.<id>` `status`). */
export const RunnerStatus = T.Object({
  batchId: T.String(),
  pid: T.Integer(),
  state: T.Union([T.Literal('ready'), T.Literal('running'), T.Literal('error')]),
  package: Opt(PackageInfo),
  problems: Opt(T.Array(T.Unknown())),
  execution: Opt(ExecutionSnapshot),
  manualCommands: T.Array(ManualCommand),
  manualBusy: T.Boolean(),
  /**
   * Set when a step was abandoned still running (it ignored its abort or timeout): the runner refuses new
   * sequences and the supervisor replaces the process.
   */
  recycle: Opt(T.Object({ steps: T.Array(T.String()), message: T.String() })),
  /**
   * The last recovery this runner ran after a cut-off execution (runner.md, "Recovery"). While `passed` is
   * false and it is not `acknowledged`, the runner refuses sequences (RECOVERY_FAILED).
   */
  recovery: Opt(
    T.Object({
      executionId: T.String(),
      passed: T.Boolean(),
      message: T.String(),
      acknowledged: Opt(T.Boolean()),
    }),
  ),
});
export type RunnerStatus = Static<typeof RunnerStatus>;

/** `batch.get`: the status plus configuration and the live execution. */
export const BatchDetail = T.Composite([
  BatchStatus,
  T.Object({
    sequencePackage: T.String(),
    autoStart: T.Boolean(),
    hardware: T.Record(T.String(), T.Unknown()),
    parameters: T.Record(T.String(), T.Unknown()),
    package: Opt(PackageInfo),
    execution: Opt(ExecutionSnapshot),
    manualCommands: T.Array(ManualCommand),
    restarts: T.Integer(),
  }),
]);
export type BatchDetail = Static<typeof BatchDetail>;

export const CommandResult = T.Object({
  hardware: T.String(),
  command: T.String(),
  result: T.Unknown(),
  duration: T.Number(),
});
export type CommandResult = Static<typeof CommandResult>;

export const SyncResult = T.Object({
  synced: T.Integer(),
  failed: T.Integer(),
  rejected: T.Integer(),
  pending: T.Integer(),
});
export type SyncResult = Static<typeof SyncResult>;

export const SyncStatus = T.Object({
  mode: T.Union([T.Literal('online'), T.Literal('offline')]),
  backendConnected: T.Boolean(),
  deliveryFailingSince: T.Union([T.String(), T.Null()]),
  problems: T.Array(T.String()),
  pending: T.Integer(),
  inFlight: T.Integer(),
  rejected: T.Integer(),
  oldestPendingAge: T.Union([T.Number(), T.Null()]),
  lastSuccessAt: T.Union([T.String(), T.Null()]),
  lastError: T.Union([T.String(), T.Null()]),
});
export type SyncStatus = Static<typeof SyncStatus>;

export const Health = T.Object({
  service: T.String(),
  pid: T.Integer(),
  uptime: T.Number(),
  /** Log lines this process could not write to a file (full disk) since it started. */
  logLinesDropped: Opt(T.Integer({ minimum: 0 })),
  /**
   * Runners: the kernel's start time of the process (`/proc/<pid>/stat` field 22). With `pid` it names
   * one process, so a supervisor adopting runners never takes a reused pid for its runner.
   */
  startTime: Opt(T.String()),
});
export type Health = Static<typeof Health>;
