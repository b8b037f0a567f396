// What the gateway needs from the rest of the station, as narrow interfaces: tests hand in their own
// (a fake store, a scripted event source) and main.ts hands in the real bus, store and sequence loader.
import type { BusLogger, ReceivedEvent, RequestOptions } from '@station/bus';
import type { StationConfig } from '@station/config';
import type { ListResultsQuery, StatsQuery, SyncStats, TrendQuery, YieldSeriesQuery } from '@station/db';
import type {
  ExecutionResult,
  InstalledVersion,
  MeasurementTrend,
  ResultsPage,
  StationStats,
  UnitHistory,
  YieldSeries,
} from '@station/model';
import type { Clock } from '@station/time';

/** The part of `BusClient` the gateway uses (the untyped entry; typing is done in `calls.ts`). */
export interface BusLike {
  requestRaw(service: string, method: string, body: unknown, opts?: RequestOptions): Promise<unknown>;
}

/** Station events as they come off the broker's event bus (a `Subscriber` to every topic). */
export interface EventSource extends AsyncIterable<ReceivedEvent> {
  close(): void;
  /** Link up (after every (re)connect) and down; the read model resyncs on up. */
  onLink?(fn: (up: boolean) => void): void;
}

/** The store's read queries the gateway serves. */
export interface ResultStore {
  listResults(query: ListResultsQuery): ResultsPage;
  getResult(id: string): ExecutionResult | undefined;
  syncStats(now?: Date): SyncStats;
  unitHistory(serialNumber: string): UnitHistory | undefined;
  stationStats(query: StatsQuery): StationStats;
  yieldSeries(query: YieldSeriesQuery): YieldSeries;
  measurementTrend(query: TrendQuery): MeasurementTrend | 'unknown-sequence' | 'unknown-measurement';
}

/** One sequence package as listed: what it is, and whether it loads. */
export interface SequenceSummary {
  name: string;
  version: string | null;
  description: string | null;
  valid: boolean;
  /** sha256 of the package files when it loads, else null. */
  hash: string | null;
  problems: unknown[];
  /** Loads, but likely fails when run; never makes the package invalid. */
  warnings: unknown[];
}

/** The sequence packages under sequences_dir. */
export interface SequenceCatalog {
  list(): Promise<SequenceSummary[]>;
  /** The package's manifest and hash, or undefined when no such folder exists. `name` is already checked. */
  get(name: string): Promise<Record<string, unknown> | undefined>;
  /**
   * The real path of file `path` under package `name`'s `assets/` (prompt images), or undefined when there
   * is no such file inside it: a name or path that tries to leave the package is simply not found.
   */
  asset(name: string, path: string): string | undefined;
  /**
   * Installs a package archive (`station package`'s .tgz) side by side with the other versions. Throws a
   * SequenceError: BAD_ARCHIVE, INVALID_PACKAGE (with every problem), VERSION_TAKEN.
   */
  install(archive: Uint8Array): Promise<{ created: boolean; version: InstalledVersion }>;
  /** Every version of `name` the station holds, newest first (empty when none). */
  versions(name: string): InstalledVersion[];
}

/** Milliseconds since the epoch; injectable so uptime and timestamps are exact in tests. */
export type { Clock };

/** Result of one health check. */
export interface CheckResult {
  ok: boolean;
  error?: string;
}

/** Disk usage of the data folder. */
export interface DiskUsage {
  path: string;
  totalBytes: number;
  freeBytes: number;
  /** 0..1 */
  usedRatio: number;
}

/** The checks behind `/api/system/health` that are not bus round trips. */
export interface HealthProbes {
  /** Whether the store accepts writes (takes and releases the write lock). */
  database(): Promise<CheckResult>;
  disk(): Promise<DiskUsage>;
}

/** Limits of the WebSocket hub. */
export interface WsLimits {
  /** Client messages longer than this get an `error` reply (bytes). */
  maxMessageBytes: number;
  /** A client whose unsent data passes this is dropped (bytes). */
  maxBufferedBytes: number;
  /** Most batch ids one client may subscribe to. */
  maxSubscriptions: number;
}

/** Deadlines of the bus requests behind each kind of route (ms). */
export interface Timeouts {
  /** Reads and quick commands. */
  default: number;
  /** Starting or stopping a batch process (the supervisor waits for the runner). */
  process: number;
  /** A manual hardware command. */
  manual: number;
  /** A sync round (`POST /api/system/sync`). */
  sync: number;
  /** Each check of `/api/system/health`. */
  health: number;
  /** Each service's `metrics` answer during a `/metrics` scrape (asked in parallel). */
  metrics: number;
}

/** Everything `createApp` takes. */
export interface GatewayDeps {
  config: StationConfig;
  /** Path of the config file (shown by `/api/system/info`). */
  configPath: string;
  bus: BusLike;
  store: ResultStore;
  sequences: SequenceCatalog;
  probes: HealthProbes;
  logger: BusLogger;
  clock?: Clock;
  /** Folder of the operator UI's files. */
  publicDir?: string;
  /** Version reported by `/api/system/info`. */
  version?: string;
  timeouts?: Partial<Timeouts>;
  ws?: Partial<WsLimits>;
  /** Collect prom-client's default process metrics into /metrics (default true). */
  defaultMetrics?: boolean;
}
