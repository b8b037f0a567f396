// The TypeBox schema of station.yaml. Keys stay snake_case, as written in the file; defaults live here so
// the schema, the docs and the example agree. Derived defaults (logs_dir, ipc endpoints, batch name) are
// filled later by resolve.ts because they depend on other fields.
import { type StaticDecode, type TSchema, Type } from '@sinclair/typebox';
import { PACKAGE_NAME_PATTERN, PACKAGE_NAME_RULE } from '@station/sequence/names';
import { DURATION_PATTERN, parseDuration } from '@station/time';

/** Batch ids become bus service names (`runner.<id>`) and file names, so they are kept to a safe alphabet. */
export const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const ID_EXPECTED = '1-64 letters, digits, "_" or "-"';

/** A duration field: `{ default }` in the file's own notation, decoded to milliseconds. */
function duration(defaultValue: string) {
  return Type.Transform(
    Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
      default: defaultValue,
      expected: 'a duration: milliseconds, or a string like "250ms", "30s", "5m", "1h"',
    }),
  )
    .Decode((v) => parseDuration(v) ?? 0)
    .Encode((ms) => ms);
}

/** An object section: unknown keys are errors (that is what catches typos), and absent = all defaults. */
function section<T extends Record<string, TSchema>>(
  properties: T,
  options: { default?: object; expected?: string } = {},
) {
  return Type.Object(properties, { additionalProperties: false, expected: 'a mapping', ...options });
}

const IpcEndpoint = Type.String({
  pattern: '^(ipc|tcp)://.+',
  expected: 'an endpoint "ipc://<path>" or "tcp://<host>:<port>"',
});

/** `station`: who this station is; the id is sent with every result. */
export const StationSchema = section(
  {
    id: Type.String({ pattern: ID_PATTERN, expected: ID_EXPECTED }),
    name: Type.Optional(Type.String()),
    description: Type.String({ default: '' }),
  },
  { expected: 'a mapping with at least "id"' },
);

/** Roles, least to most allowed: each may do everything the one before it may (docs/api.md "Roles"). */
export const ROLES = ['operator', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];
const RoleSchema = Type.Union([Type.Literal('operator'), Type.Literal('engineer'), Type.Literal('admin')], {
  expected: `one of ${ROLES.join(', ')}`,
});

/** `server.auth.api_keys[]`: a bare key or a mapping with its role; without a role a key is admin (as before roles existed). */
const ApiKeySchema = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Object(
      {
        key: Type.String({ minLength: 1, expected: 'a non-empty string' }),
        role: Type.Optional(RoleSchema),
        name: Type.Optional(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    ),
  ],
  { expected: 'a key string, or a mapping { key, role?, name? }' },
);

/** `server.auth.users[]`: a local account that `POST /api/auth/token` can sign in. */
const UserSchema = section(
  {
    name: Type.String({ pattern: '^[^\\s]{1,64}$', expected: '1-64 characters without spaces' }),
    password_hash: Type.String({
      pattern: '^\\$(argon2id|argon2i|argon2d|2a|2b|2y)\\$',
      expected: 'a password hash from Bun.password.hash (argon2id or bcrypt, "$argon2id$..." / "$2b$...")',
    }),
    role: RoleSchema,
  },
  { expected: 'a mapping with "name", "password_hash" and "role"' },
);

/** `server.auth`: API keys and signed tokens (JWT) for REST and WebSocket clients, each with a role. */
export const AuthSchema = section(
  {
    enabled: Type.Boolean({ default: false }),
    type: Type.Union([Type.Literal('api_key'), Type.Literal('jwt')], {
      default: 'api_key',
      expected: '"api_key" or "jwt"',
    }),
    api_keys: Type.Array(ApiKeySchema, { default: [] }),
    /** HS256 secret of the tokens (type jwt), from the environment: `${STATION_JWT_SECRET}`. */
    jwt_secret: Type.Optional(Type.String()),
    /** How far a token's exp/nbf/iat may be off the station's clock. */
    clock_skew: duration('30s'),
    /** Lifetime of the tokens that `POST /api/auth/token` issues. */
    jwt_ttl: duration('8h'),
    users: Type.Array(UserSchema, { default: [], expected: 'a list of users' }),
  },
  { default: {} },
);

/** `server`: where the API gateway listens. */
export const ServerSchema = section(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, expected: 'a port number 0-65535' }),
    allow_insecure_bind: Type.Boolean({ default: false }),
    auth: AuthSchema,
    // Far above any body the API takes (a sequence's parameters, a manual command); 413 past it.
    max_body_bytes: Type.Integer({
      default: 1024 * 1024,
      minimum: 1024,
      maximum: 64 * 1024 * 1024,
      expected: 'a number of bytes from 1024 to 67108864',
    }),
    // Pages that may change state or open /ws besides the station's own (a UI served from another host).
    allowed_origins: Type.Array(
      Type.String({
        pattern: '^https?://[^/?#]+$',
        expected: 'an origin: scheme://host[:port], such as "https://hmi.plant.example:8443"',
      }),
      { default: [] },
    ),
  },
  { default: {} },
);

/** `backend`: the central Backend results are synced to; no `url` = offline mode. */
export const BackendSchema = section(
  {
    url: Type.Optional(Type.String({ pattern: '^https?://.+', expected: 'an http:// or https:// URL' })),
    api_key: Type.Optional(Type.String()),
    sync_interval: duration('10s'),
    timeout: duration('10s'),
    retry_base: duration('1s'),
    retry_cap: duration('5m'),
    health_interval: duration('15s'),
    // On SIGTERM the agent finishes what is in flight and sends what is still queued, for at most this long.
    shutdown_flush: duration('5s'),
  },
  { default: {} },
);

/** `paths`: folders, relative ones resolved against the config file's folder. */
export const PathsSchema = section(
  {
    data_dir: Type.String({ default: './data', minLength: 1 }),
    sequences_dir: Type.String({ default: './sequences', minLength: 1 }),
    logs_dir: Type.Optional(Type.String({ minLength: 1 })),
  },
  { default: {} },
);

/** `ipc`: the broker's endpoints; defaults are unix sockets under `<data_dir>/run/`. */
export const IpcSchema = section(
  {
    service_bus: Type.Optional(IpcEndpoint),
    event_pub: Type.Optional(IpcEndpoint),
    event_sub: Type.Optional(IpcEndpoint),
  },
  { default: {} },
);

/** `batches[].restart`: what the supervisor does when a runner dies. */
export const RestartSchema = section(
  {
    policy: Type.Union([Type.Literal('never'), Type.Literal('on-failure')], {
      default: 'on-failure',
      expected: '"never" or "on-failure"',
    }),
    max_restarts: Type.Integer({ default: 3, minimum: 0, expected: 'an integer >= 0' }),
    window: duration('60s'),
    backoff_base: duration('1s'),
    backoff_cap: duration('30s'),
  },
  { default: {} },
);

/**
 * `limits` (a default for every batch) and `batches[].limits`: what a runner process may use. A batch's own
 * value wins over the station-wide one; 0 or absent = no limit.
 */
export const LimitsSchema = section(
  {
    memory_mb: Type.Optional(
      Type.Integer({ minimum: 0, expected: 'megabytes of resident memory, an integer >= 0 (0 = no limit)' }),
    ),
  },
  { default: {} },
);

/** An environment variable name as a shell accepts it. */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

/**
 * Variables given to runner processes (`runner_env`, `batches[].env`): name -> value, `${VAR}` substitution
 * as everywhere in the file, so `VISA_HOME: ${VISA_HOME}` passes one through from the station's environment.
 */
function runnerEnv() {
  return Type.Record(Type.String({ pattern: ENV_NAME_PATTERN }), Type.String(), {
    default: {},
    additionalProperties: false,
    expected: 'a mapping of environment variable names to string values',
  });
}

/** One hardware entry: a driver name plus whatever options that driver takes. */
export const HardwareSchema = Type.Object(
  { driver: Type.String({ minLength: 1, expected: 'a driver name' }) },
  { additionalProperties: true, expected: 'a mapping with at least "driver"' },
);

/** `batches[]`: one test slot, run by its own batch-runner process. */
export const BatchSchema = section(
  {
    id: Type.String({ pattern: ID_PATTERN, expected: ID_EXPECTED }),
    name: Type.Optional(Type.String()),
    sequence_package: Type.String({
      pattern: PACKAGE_NAME_PATTERN,
      expected: `a sequence package name (${PACKAGE_NAME_RULE})`,
    }),
    // Which installed version runs: the newest (`latest`, when absent), or one exact version.
    sequence_version: Type.Optional(
      Type.String({
        pattern:
          '^(latest|(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?)$',
        expected: '"latest" or a semantic version such as 1.2.0',
      }),
    ),
    hardware: Type.Record(Type.String(), HardwareSchema, { default: {}, expected: 'a mapping' }),
    auto_start: Type.Boolean({ default: false }),
    parameters: Type.Record(Type.String(), Type.Unknown(), { default: {}, expected: 'a mapping' }),
    restart: RestartSchema,
    limits: LimitsSchema,
    env: runnerEnv(),
    // The batch host (a `hosts[].name`) whose machine runs this batch's runner; absent = this machine.
    host: Type.Optional(
      Type.String({ pattern: ID_PATTERN, expected: `a host name from hosts[] (${ID_EXPECTED})` }),
    ),
  },
  { expected: 'a mapping with at least "id" and "sequence_package"' },
);

/**
 * `hosts[]`: other machines that run batches for this station. Each runs `apps/batch-host --host <name>`
 * with its own copy of station.yaml; its runners reach the broker at the `ipc` endpoints (tcp://).
 */
export const HostSchema = section(
  {
    name: Type.String({ pattern: ID_PATTERN, expected: ID_EXPECTED }),
    description: Type.String({ default: '' }),
  },
  { expected: 'a mapping with at least "name"' },
);

/** `logging`: the level of every service's root logger, and how big its files may grow. */
export const LoggingSchema = section(
  {
    max_file_mb: Type.Number({ default: 10, exclusiveMinimum: 0, expected: 'a size in MB greater than 0' }),
    keep_files: Type.Integer({ default: 5, minimum: 1, expected: 'an integer >= 1' }),
    level: Type.Union(
      [
        Type.Literal('trace'),
        Type.Literal('debug'),
        Type.Literal('info'),
        Type.Literal('warn'),
        Type.Literal('error'),
        Type.Literal('fatal'),
        Type.Literal('silent'),
      ],
      { default: 'info', expected: 'one of trace, debug, info, warn, error, fatal, silent' },
    ),
  },
  { default: {} },
);

/** `storage`: how long results are kept and how much free space the data folder must keep. */
export const StorageSchema = section(
  {
    keep_results_days: Type.Number({
      default: 90,
      exclusiveMinimum: 0,
      expected: 'a number of days greater than 0',
    }),
    min_free_mb: Type.Number({ default: 200, minimum: 0, expected: 'a size in MB >= 0' }),
    warn_free_mb: Type.Number({ default: 1024, minimum: 0, expected: 'a size in MB >= 0' }),
  },
  { default: {} },
);

/**
 * `supervisor`: how runners and their supervisor part. Runners outlive a supervisor that stops or dies and
 * the next one adopts them; one left without a supervisor for `orphan_timeout` finishes its run and stops.
 */
export const SupervisorSchema = section(
  {
    orphan_timeout: duration('5m'),
    keep_runners: Type.Boolean({ default: true }),
  },
  { default: {} },
);

/** The languages the operator UI speaks (apps/ui/src/locales). */
export const UI_LANGUAGES = ['ko', 'en'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

/** `ui`: how the operator UI first shows itself; without `language` it follows the browser's. */
export const UiSchema = section(
  {
    language: Type.Optional(
      Type.Union([Type.Literal('ko'), Type.Literal('en')], { expected: `one of ${UI_LANGUAGES.join(', ')}` }),
    ),
  },
  { default: {} },
);

const KeyFile = Type.String({ minLength: 1, expected: 'a key file path (relative to this file)' });
const KeyEnv = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', expected: 'an environment variable name' });
const KeyText = Type.String({ pattern: '^.{40}$', expected: 'a CURVE public key: 40 characters of Z85' });

/**
 * `security.curve`: this machine's CURVE key pair and whom it trusts (docs/configuration.md "Keys"). Each
 * key comes from a file (`*_file`, libzmq's key file text or a bare Z85 key) or an environment variable
 * (`*_env`); public keys may also be written inline. A secret key is never written in this file:
 * `secret_key` is accepted by the schema only so that the check can refuse it with a clear message.
 */
export const CurveSchema = section({
  public_key: Type.Optional(KeyText),
  public_key_file: Type.Optional(KeyFile),
  public_key_env: Type.Optional(KeyEnv),
  secret_key: Type.Optional(Type.Unknown()),
  secret_key_file: Type.Optional(KeyFile),
  secret_key_env: Type.Optional(KeyEnv),
  /** The station broker's public key, for the parties that connect to it over tcp (a batch host). */
  server_key: Type.Optional(KeyText),
  server_key_file: Type.Optional(KeyFile),
  server_key_env: Type.Optional(KeyEnv),
  /** On the station: a folder of `*.key` files, the public keys of the batch hosts allowed to connect. */
  authorized_keys_dir: Type.Optional(Type.String({ minLength: 1, expected: 'a folder of *.key files' })),
});

/** `security`: transport security of the bus. */
export const SecuritySchema = section({ curve: Type.Optional(CurveSchema) }, { default: {} });

const TcpEndpoint = Type.String({
  pattern: '^tcp://.+:\\d+$',
  expected: 'a tcp endpoint "tcp://<address>:<port>"',
});

/**
 * `remote`: tcp endpoints on which the broker also listens, with CURVE, for batch hosts on other machines
 * (the `ipc` endpoints stay local and unauthenticated).
 */
export const RemoteSchema = section({
  service_bus: TcpEndpoint,
  event_pub: TcpEndpoint,
  event_sub: TcpEndpoint,
});

/** The whole file as written (before derived defaults and path resolution). */
export const StationConfigSchema = section({
  station: StationSchema,
  server: ServerSchema,
  backend: BackendSchema,
  paths: PathsSchema,
  ipc: IpcSchema,
  batches: Type.Array(BatchSchema, { default: [], expected: 'a list of batches' }),
  hosts: Type.Array(HostSchema, { default: [], expected: 'a list of batch hosts' }),
  limits: LimitsSchema,
  runner_env: runnerEnv(),
  logging: LoggingSchema,
  storage: StorageSchema,
  supervisor: SupervisorSchema,
  ui: UiSchema,
  security: SecuritySchema,
  remote: Type.Optional(RemoteSchema),
});

type Decoded = StaticDecode<typeof StationConfigSchema>;
type DecodedBatch = Decoded['batches'][number];

/** Hardware entry of a batch: `driver` plus whatever options that driver takes. */
export type HardwareConfig = { driver: string; [option: string]: unknown };

/** One batch after loading: `name` filled (defaults to the id), durations in milliseconds. */
export type BatchConfig = Omit<DecodedBatch, 'name' | 'hardware'> & {
  name: string;
  hardware: Record<string, HardwareConfig>;
};

/** One batch host after loading. */
export type HostConfig = Decoded['hosts'][number];

/** `security.curve` after loading (key file paths absolute). */
export type CurveConfig = NonNullable<Decoded['security']['curve']>;

/** A log level as accepted by @station/log. */
export type LogLevel = Decoded['logging']['level'];

/** The loaded configuration: defaults applied, durations in ms, every path and ipc:// endpoint absolute. */
export type StationConfig = Omit<Decoded, 'station' | 'paths' | 'ipc' | 'batches'> & {
  station: Omit<Decoded['station'], 'name'> & { name: string };
  paths: Required<Decoded['paths']>;
  ipc: Required<Decoded['ipc']>;
  batches: BatchConfig[];
};
