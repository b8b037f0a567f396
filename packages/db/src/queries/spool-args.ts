// The arguments of each spooled write, as TypeBox tuples: the station checks a delivered record against
// its query's tuple before replaying it, so a record that is not what `spoolingStore` writes (another
// version of the host, a damaged row) is refused naming the field, and the replay needs no cast. The
// shapes are the JSON forms of the queries' inputs (times as ISO text, `undefined` dropped).
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import {
  FinalExecutionStatus,
  JsonValue,
  MeasuredValue,
  PromptKind,
  type SpoolOp,
  StatusReason,
  StepStatus,
} from '@station/model';

const Opt = T.Optional;
const OrNull = <S extends TSchema>(s: S) => T.Union([s, T.Null()]);

const NewExecution = T.Object({
  id: Opt(T.String()),
  batchId: T.String(),
  sequenceName: T.String(),
  sequenceVersion: T.String(),
  packageHash: T.String(),
  parameters: Opt(T.Record(T.String(), JsonValue)),
  startedAt: Opt(T.String()),
  steps: Opt(T.Array(T.String())),
  operator: Opt(OrNull(T.String())),
  dut: Opt(
    OrNull(
      T.Object({
        serialNumber: Opt(OrNull(T.String())),
        partNumber: Opt(OrNull(T.String())),
        revision: Opt(OrNull(T.String())),
        lot: Opt(OrNull(T.String())),
      }),
    ),
  ),
  resumable: Opt(T.Boolean()),
});

const StepInput = T.Object({
  name: T.String(),
  order: T.Integer(),
  status: StepStatus,
  pass: Opt(T.Boolean()),
  startedAt: Opt(OrNull(T.String())),
  completedAt: Opt(OrNull(T.String())),
  duration: Opt(OrNull(T.Number())),
  attempts: Opt(T.Integer()),
  result: Opt(JsonValue),
  error: Opt(OrNull(T.String())),
});

const MeasurementInput = T.Object({
  name: T.String(),
  value: MeasuredValue,
  unit: Opt(OrNull(T.String())),
  low: Opt(OrNull(T.Number())),
  high: Opt(OrNull(T.Number())),
  equals: Opt(JsonValue),
  pass: T.Boolean(),
});

const RecordStepOptions = T.Object({
  next: Opt(T.Object({ order: T.Integer(), startedAt: Opt(T.String()) })),
});

const PromptInput = T.Object({
  id: T.String(),
  executionId: T.String(),
  stepOrder: T.Integer(),
  stepName: T.String(),
  kind: PromptKind,
  message: T.String(),
  spec: Opt(T.Record(T.String(), JsonValue)),
  openedAt: T.String(),
  deadline: T.String(),
});

const PromptClose = T.Object({
  status: T.Union([T.Literal('answered'), T.Literal('timed_out'), T.Literal('cancelled')]),
  answer: Opt(JsonValue),
  answeredBy: Opt(OrNull(T.String())),
  closedAt: T.String(),
});

const ExecutionOutcome = T.Object({
  status: FinalExecutionStatus,
  overallPass: T.Boolean(),
  completedAt: Opt(T.String()),
  duration: Opt(T.Number()),
  error: Opt(OrNull(T.String())),
  statusReason: Opt(OrNull(StatusReason)),
});

const Interruption = T.Object({ reason: StatusReason, message: T.String() });

const InterruptOptions = T.Object({ holdResumable: Opt(T.Boolean()) });

const RecoveryRecord = T.Recursive((Self) =>
  T.Object({
    startedAt: T.String(),
    completedAt: T.String(),
    passed: T.Boolean(),
    safeState: T.Array(T.Object({ hardware: T.String(), ok: T.Boolean(), error: Opt(T.String()) })),
    steps: T.Array(
      T.Object({ name: T.String(), status: T.String(), pass: T.Boolean(), error: Opt(T.String()) }),
    ),
    acknowledgedAt: Opt(T.String()),
    acknowledgedBy: Opt(T.String()),
    kind: Opt(T.Union([T.Literal('cleanup'), T.Literal('resume')])),
    resumedFrom: Opt(T.Object({ order: T.Integer(), step: T.String() })),
    interruption: Opt(T.Object({ reason: T.String(), message: T.String() })),
    earlier: Opt(T.Array(Self)),
  }),
);

/** Each spooled query's arguments, in the order `spoolingStore` writes them. */
export const SPOOL_ARGS = {
  createExecution: T.Tuple([NewExecution]),
  markStepRunning: T.Tuple([T.String(), T.Integer(), T.String()]),
  recordStep: T.Tuple([T.String(), StepInput, T.Array(MeasurementInput), RecordStepOptions]),
  setExecutionSerial: T.Tuple([T.String(), T.String(), T.String()]),
  openPrompt: T.Tuple([PromptInput]),
  closePrompt: T.Tuple([T.String(), PromptClose]),
  finishExecution: T.Tuple([T.String(), ExecutionOutcome]),
  markInterrupted: T.Tuple([
    T.String(),
    T.Union([T.Literal('failed'), T.Literal('stopped')]),
    Interruption,
    T.String(),
    InterruptOptions,
  ]),
  recordRecovery: T.Tuple([T.String(), RecoveryRecord]),
  resumeExecution: T.Tuple([T.String(), T.Integer(), RecoveryRecord]),
} satisfies Record<SpoolOp, TSchema>;

/** The checked arguments of `op`. */
export type SpoolArgs<Op extends SpoolOp> = Static<(typeof SPOOL_ARGS)[Op]>;
