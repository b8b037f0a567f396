// Every request method and event of the station, with its schemas: the one definition that the gateway,
// supervisor, runners and sync agent share. A method body that fails its schema never reaches a handler.
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import {
  BatchDetail,
  BatchStatus,
  BatchVersion,
  CommandResult,
  Dut,
  Health,
  HostRunner,
  PromptClosed,
  RunnerStatus,
  SpoolAck,
  SpoolRecord,
  type StationEvent,
  SyncResult,
  SyncStatus,
  VersionRule,
} from '@station/model';
import { MetricsReply } from './metrics-shape.ts';

export interface MethodSchema<B extends TSchema = TSchema, R extends TSchema = TSchema> {
  body: B;
  reply: R;
}
function method<B extends TSchema, R extends TSchema>(body: B, reply: R): MethodSchema<B, R> {
  return { body, reply };
}

const Empty = T.Object({}, { additionalProperties: false });
const BatchRef = T.Object(
  { batchId: T.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
const health = method(Empty, Health);
/** One runner on a batch host, named by its pid and kernel start time there. */
const HostRunnerRef = T.Object(
  {
    batchId: T.String({ minLength: 1, maxLength: 64 }),
    pid: T.Integer({ minimum: 1 }),
    startTime: T.String({ maxLength: 32 }),
  },
  { additionalProperties: false },
);
/** The service's prom-client registry as JSON, gathered by the gateway into one `/metrics`. */
const metrics = method(Empty, MetricsReply);

export const contract = {
  broker: {
    ping: method(Empty, T.Object({ uptime: T.Number(), services: T.Array(T.String()) })),
    metrics,
  },
  supervisor: {
    health,
    metrics,
    'batch.list': method(Empty, T.Array(BatchStatus)),
    'batch.get': method(BatchRef, BatchDetail),
    'batch.start': method(BatchRef, T.Object({ status: T.String(), pid: T.Integer() })),
    'batch.stop': method(BatchRef, T.Object({ status: T.String() })),
    'batch.restart': method(BatchRef, T.Object({ status: T.String(), pid: T.Integer() })),
    /** The batch's version rule, what it picks for the next run and what its runner has loaded. */
    'batch.version': method(BatchRef, BatchVersion),
    /**
     * Pins the batch to a version (`latest` rolls forward to the newest), kept in the store across
     * restarts; the runner takes it at its next start. VERSION_NOT_INSTALLED for a version not installed.
     */
    'batch.pin': method(
      T.Object(
        {
          batchId: BatchRef.properties.batchId,
          version: VersionRule,
          /** API key name or token subject, or `local`; recorded with the pin. */
          pinnedBy: T.String({ minLength: 1, maxLength: 128 }),
        },
        { additionalProperties: false },
      ),
      BatchVersion,
    ),
  },
  /**
   * The station store's door for batch hosts, served by the supervisor's process: a host delivers its
   * spool, the writes of its runners in order. Each is applied once (docs/architecture.md, "Batches on
   * other machines"); the answer says per record whether the host may delete it.
   */
  store: {
    health,
    metrics,
    'spool.deliver': method(
      T.Object(
        {
          host: T.String({ minLength: 1, maxLength: 64 }),
          records: T.Array(SpoolRecord, { maxItems: 500 }),
        },
        { additionalProperties: false },
      ),
      SpoolAck,
    ),
  },
  /** A batch host (`host.<name>`, apps/batch-host): runs the runners of the batches placed on it. */
  host: {
    health,
    metrics,
    /**
     * Starts the batch's runner on the host. When one already runs there (started before a supervisor
     * restart), nothing is started and that one is named, `adopted: true`.
     */
    'runner.start': method(
      BatchRef,
      T.Object({ pid: T.Integer(), startTime: T.String(), adopted: T.Boolean() }),
    ),
    /** The host's runners: the live ones, and the ended ones the supervisor has not forgotten yet. */
    'runner.list': method(Empty, T.Array(HostRunner)),
    /** Signals that very runner (a pid reused since is left alone). */
    'runner.signal': method(
      T.Object(
        { ...HostRunnerRef.properties, signal: T.Union([T.Literal('SIGTERM'), T.Literal('SIGKILL')]) },
        { additionalProperties: false },
      ),
      T.Object({ sent: T.Boolean() }),
    ),
    /** The supervisor has dealt with that runner's end: the host drops it and its files. */
    'runner.forget': method(HostRunnerRef, T.Object({ forgotten: T.Boolean() })),
  },
  runner: {
    health,
    metrics,
    status: method(Empty, RunnerStatus),
    'sequence.start': method(
      T.Object(
        {
          parameters: T.Optional(T.Record(T.String(), T.Unknown())),
          /** Who starts the run (badge or typed id, or the caller's token subject); stored on the execution. */
          operator: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
          /** The unit under test; checked against the manifest's `dut` block before the run starts. */
          dut: T.Optional(Dut),
        },
        { additionalProperties: false },
      ),
      T.Object({ executionId: T.String() }),
    ),
    'sequence.stop': method(Empty, T.Object({ status: T.String() })),
    /**
     * Answers an open operator prompt. The first valid answer wins; NOT_FOUND for an id the runner never
     * asked, PROMPT_CLOSED once answered, timed out or cancelled, BAD_REQUEST (`details.reason`) for an
     * answer the prompt does not accept.
     */
    'prompt.answer': method(
      T.Object(
        {
          promptId: T.String({ minLength: 1, maxLength: 64 }),
          answer: T.Unknown(),
          /** API key name or token subject, or `local`; recorded with the step. */
          answeredBy: T.String({ minLength: 1, maxLength: 128 }),
        },
        { additionalProperties: false },
      ),
      PromptClosed,
    ),
    /**
     * An operator confirms the fixture is safe after a failed recovery: the runner takes runs again.
     * NOT_FOUND when no failed recovery waits.
     */
    'recovery.acknowledge': method(
      T.Object(
        { operator: T.Optional(T.String({ minLength: 1, maxLength: 64 })) },
        { additionalProperties: false },
      ),
      T.Object({ executionId: T.String(), acknowledgedAt: T.String() }),
    ),
    'manual.run': method(
      T.Object(
        {
          hardware: T.String({ minLength: 1 }),
          command: T.String({ minLength: 1 }),
          params: T.Optional(T.Record(T.String(), T.Unknown())),
        },
        { additionalProperties: false },
      ),
      CommandResult,
    ),
    /**
     * Asked by the supervisor: abort what runs, put hardware in a safe state, disconnect, exit. `reason`
     * is what the aborted execution records as its status reason: `ABORTED` when an operator stopped the
     * batch (the default), `SHUTDOWN` when the station is stopping.
     */
    shutdown: method(
      T.Object(
        { reason: T.Optional(T.Union([T.Literal('ABORTED'), T.Literal('SHUTDOWN')])) },
        { additionalProperties: false },
      ),
      T.Object({ status: T.String() }),
    ),
  },
  sync: {
    health,
    metrics,
    'sync.now': method(
      T.Object({ retryRejected: T.Optional(T.Boolean()) }, { additionalProperties: false }),
      SyncResult,
    ),
    'sync.status': method(Empty, SyncStatus),
  },
} as const;

export type Contract = typeof contract;
export type ServiceKind = keyof Contract;
/** A service name on the bus: a fixed service, one runner per batch, or one per batch host. */
export type ServiceName = Exclude<ServiceKind, 'runner' | 'host'> | `runner.${string}` | `host.${string}`;
export type KindOf<S extends string> = S extends `runner.${string}`
  ? 'runner'
  : S extends `host.${string}`
    ? 'host'
    : S extends ServiceKind
      ? S
      : never;
export type MethodOf<K extends ServiceKind> = keyof Contract[K] & string;
type SchemaOf<K extends ServiceKind, M extends MethodOf<K>> = Contract[K][M] extends MethodSchema
  ? Contract[K][M]
  : never;
export type BodyOf<K extends ServiceKind, M extends MethodOf<K>> = Static<SchemaOf<K, M>['body']>;
export type ReplyOf<K extends ServiceKind, M extends MethodOf<K>> = Static<SchemaOf<K, M>['reply']>;

/** Which contract a service name follows (`runner.batch_1` follows `runner`), or undefined. */
export function kindOf(service: string): ServiceKind | undefined {
  if (service.startsWith('runner.')) return 'runner';
  if (service.startsWith('host.')) return 'host';
  return Object.hasOwn(contract, service) && service !== 'runner' && service !== 'host'
    ? (service as ServiceKind)
    : undefined;
}

/** The schema of one method, or undefined when the service or method does not exist. */
export function methodSchema(service: string, name: string): MethodSchema | undefined {
  const kind = kindOf(service);
  if (!kind) return undefined;
  const methods = contract[kind] as Record<string, MethodSchema>;
  return Object.hasOwn(methods, name) ? methods[name] : undefined;
}

/** The service name of a batch host. */
export function hostService(name: string): `host.${string}` {
  return `host.${name}`;
}

/** The service name of a batch's runner. */
export function runnerService(batchId: string): `runner.${string}` {
  return `runner.${batchId}`;
}

// ---- Events (their schemas are in @station/model): topic `batch.<batchId>.<type>` or `system.<type>`;
// bodies exactly the WebSocket messages of SPEC §3.2, so the gateway forwards them without reshaping.

/** The topic an event is published on. */
export function topicOf(event: StationEvent): string {
  return 'batch_id' in event ? `batch.${event.batch_id}.${event.type}` : `system.${event.type}`;
}
