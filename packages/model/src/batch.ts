// A batch as the station reports it (SPEC §4 BatchStatus, plus what an operator's card needs), its
// detail, and what a runner says about itself.
import { type Static, Type as T } from '@sinclair/typebox';
import { RunUnit, Verdict } from './dut.ts';
import { OperatorPrompt } from './prompt.ts';
import { ExecutionStatus, ResumeEntry, StepResult } from './result.ts';
import { literalUnion } from './schema.ts';
import { MeasurementDrift } from './trend.ts';

const Opt = T.Optional;

/** Lifecycle of a batch process. */
export const BATCH_STATES = ['idle', 'starting', 'running', 'stopping', 'error'] as const;
export const BatchState = literalUnion(BATCH_STATES);
export type BatchState = Static<typeof BatchState>;

/** What went wrong, as a card's red banner and an `error` body show it. */
export const ErrorInfo = T.Object({
  code: T.String(),
  message: T.String(),
  at: Opt(T.String()),
  details: Opt(T.Unknown()),
});
export type ErrorInfo = Static<typeof ErrorInfo>;

/** The verdict of a batch's latest run, for its card. */
export const LastResult = T.Object({
  executionId: T.String(),
  status: ExecutionStatus,
  overallPass: T.Union([T.Boolean(), T.Null()]),
  completedAt: Opt(T.String()),
  duration: Opt(T.Number()),
  /** Set when the run ended in an error rather than a verdict (STORAGE_FULL: its results could not be stored). */
  errorCode: Opt(T.String()),
  /**
   * What the run said about its unit: PASS, FAIL, ERROR (the station ended it) or ABORTED, given once by
   * whoever ended the run (`verdictOf`); readers show it, never derive it.
   */
  verdict: Verdict,
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
  /** When the current step started (ISO, the runner's clock): screens count the step's own time from it. */
  stepStartedAt: Opt(T.String()),
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
  /**
   * While the run in progress is one a runner crash cut off and the next runner resumed (manifest
   * `resume:`): each interruption and resume, oldest first. Absent otherwise.
   */
  resumes: Opt(T.Array(ResumeEntry)),
  lastResult: Opt(LastResult),
  lastError: Opt(ErrorInfo),
  /** The latest drift alarm of this batch (`measurement_drift`); cleared by a later run that raises none. */
  drift: Opt(MeasurementDrift),
  /**
   * Set by the gateway while it cannot reach the supervisor: `status` and `pid` are the last the supervisor
   * reported (since `since`); the run's progress still comes live from the runner.
   */
  stale: Opt(T.Object({ since: T.String(), reason: T.String() })),
});
export type BatchStatus = Static<typeof BatchStatus>;

/**
 * The supervisor's facts about a batch's runner process (`batch_process` event): its lifecycle state, pid,
 * the restarts of its policy and the failure it is in or recovered from. `rev` grows with every change
 * (milliseconds of the change, at least one more than the last), so a reader can drop a stale or repeated one.
 */
export const BatchProcess = T.Object({
  status: BatchState,
  rev: T.Integer(),
  pid: Opt(T.Integer()),
  restarts: T.Integer(),
  lastError: Opt(ErrorInfo),
});
export type BatchProcess = Static<typeof BatchProcess>;

/**
 * The runner's facts about its run (`sequence_status` event): which sequence, which execution, how far,
 * and the verdict of the last one. Sent when a run starts, at every step start and end, and when it ends.
 */
export const SequenceStatus = T.Object({
  sequenceRunning: T.Boolean(),
  sequenceName: Opt(T.String()),
  sequenceVersion: Opt(T.String()),
  executionId: Opt(T.String()),
  startedAt: Opt(T.String()),
  totalSteps: Opt(T.Integer()),
  progress: Opt(T.Number({ minimum: 0, maximum: 1 })),
  currentStep: Opt(T.String()),
  stepIndex: Opt(T.Integer()),
  /** When the current step started (ISO). */
  stepStartedAt: Opt(T.String()),
  /** The unit under test of the run in progress (the serial once a step read it); null between runs. */
  dut: Opt(T.Union([RunUnit, T.Null()])),
  /** The run in progress was cut off by a crash and resumed (manifest `resume:`): each time, oldest first. */
  resumes: Opt(T.Array(ResumeEntry)),
  lastResult: Opt(LastResult),
});
export type SequenceStatus = Static<typeof SequenceStatus>;

/** A command a driver offers for manual mode. */
export const ManualCommand = T.Object({
  hardware: T.String(),
  command: T.String(),
  description: Opt(T.String()),
  params: Opt(T.Unknown()),
});
export type ManualCommand = Static<typeof ManualCommand>;

/** The sequence package a runner loaded. */
export const PackageInfo = T.Object({
  name: T.String(),
  version: T.String(),
  hash: Opt(T.String()),
  description: Opt(T.String()),
});
export type PackageInfo = Static<typeof PackageInfo>;

/** The run in progress as its runner sees it: the finished steps and the current one. */
export const ExecutionSnapshot = T.Object({
  executionId: T.String(),
  status: ExecutionStatus,
  startedAt: T.String(),
  currentStep: Opt(T.String()),
  stepIndex: Opt(T.Integer()),
  /** When the current step started (ISO). */
  stepStartedAt: Opt(T.String()),
  totalSteps: T.Integer(),
  progress: T.Number(),
  steps: T.Array(StepResult),
  /** The question waiting for the operator, while one is. */
  prompt: Opt(OperatorPrompt),
  dut: Opt(RunUnit),
  /** The run was cut off by a crash and resumed (manifest `resume:`): each time, oldest first. */
  resumes: Opt(T.Array(ResumeEntry)),
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

/** `GET /api/batches/{id}`: the status plus configuration and the live execution. */
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

/** What a manual command answered. */
export const CommandResult = T.Object({
  hardware: T.String(),
  command: T.String(),
  result: T.Unknown(),
  duration: T.Number(),
});
export type CommandResult = Static<typeof CommandResult>;

/** Every service's `health` answer. */
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
