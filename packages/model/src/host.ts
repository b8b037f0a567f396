// What crosses the bus between a batch host (apps/batch-host), the runners it runs and the station: the
// host's view of its runners, and the spooled writes of a remote runner that the station's store replays.
import { type Static, Type as T } from '@sinclair/typebox';
import { JsonValue } from './json.ts';
import { literalUnion } from './schema.ts';

/**
 * The store queries a remote runner's writes go through, replayed on the station in the order the runner
 * made them (packages/db `spoolingStore`, `applySpooled`).
 */
export const SPOOL_OPS = [
  'createExecution',
  'markStepRunning',
  'recordStep',
  'setExecutionSerial',
  'openPrompt',
  'closePrompt',
  'finishExecution',
  'markInterrupted',
  'recordRecovery',
  'resumeExecution',
] as const;
export type SpoolOp = (typeof SPOOL_OPS)[number];
export const SpoolOp = literalUnion(SPOOL_OPS);

/** One write of a remote runner: the `seq`-th write of its execution, as the query and its arguments. */
export const SpoolRecord = T.Object(
  {
    executionId: T.String({ minLength: 1, maxLength: 64 }),
    batchId: T.String({ minLength: 1, maxLength: 64 }),
    seq: T.Integer({ minimum: 1 }),
    op: SpoolOp,
    args: T.Array(JsonValue, { maxItems: 6 }),
  },
  { additionalProperties: false },
);
export type SpoolRecord = Static<typeof SpoolRecord>;

/** What the station did with one delivered record. */
export const SPOOL_OUTCOMES = [
  /** Written to the store now. */
  'applied',
  /** Already applied before (a redelivery): acknowledged, nothing written. */
  'duplicate',
  /** Its query refused it (e.g. a step of an execution the station already ended): acknowledged. */
  'refused',
  /** An earlier record of its execution has not arrived: not acknowledged, to be sent again in order. */
  'early',
] as const;
export type SpoolOutcome = (typeof SPOOL_OUTCOMES)[number];

/** The station's answer to a delivery: per record, in order, and the next `seq` it expects per execution. */
export const SpoolAck = T.Object({
  outcomes: T.Array(
    T.Object({
      executionId: T.String(),
      seq: T.Integer(),
      outcome: literalUnion(SPOOL_OUTCOMES),
      message: T.Optional(T.String()),
    }),
  ),
});
export type SpoolAck = Static<typeof SpoolAck>;

/** How a runner the host started has ended (its exit status, or what it wrote in its exit file). */
export const HostRunnerExit = T.Object({
  code: T.Union([T.Integer(), T.Null()]),
  signal: T.Union([T.String(), T.Null()]),
  reason: T.Optional(T.String()),
  /** Gone without an exit file and not the host's child (SIGKILL while the host was away, OOM killer). */
  lost: T.Optional(T.Boolean()),
});
export type HostRunnerExit = Static<typeof HostRunnerExit>;

/** One runner on a batch host: alive, or ended and not yet forgotten by the supervisor. */
export const HostRunner = T.Object({
  batchId: T.String(),
  pid: T.Integer(),
  /** The kernel's start time of the process on the host (with the pid, it names one process). */
  startTime: T.String(),
  /** Present once it has ended and the spool holds none of its batch's writes from before its end. */
  exit: T.Optional(HostRunnerExit),
  /** Its last stderr lines, scrubbed of secrets (for crash reports). */
  stderr: T.Array(T.String()),
});
export type HostRunner = Static<typeof HostRunner>;
