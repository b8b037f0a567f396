// The shapes the UI reads from the gateway: bus shapes re-used as types, plus the REST-only ones.
export type {
  BatchDetail,
  BatchStatus,
  CommandResult,
  ErrorInfo,
  ExecutionSnapshot,
  LastResult,
  ManualCommand,
  OperatorPrompt,
  PromptClosed,
  StepResultShape as StepResult,
  SyncResult,
  SyncStatus,
} from '@station/bus/shapes';

/** One parameter of a sequence manifest or a manual command (type, range, unit, default). */
export interface ParamSpec {
  type?: 'string' | 'number' | 'integer' | 'boolean' | string;
  default?: unknown;
  min?: number;
  max?: number;
  enum?: unknown[];
  unit?: string;
  description?: string;
  required?: boolean;
}

/** GET /api/sequences/{name}. */
export interface SequenceInfo {
  name: string;
  version: string | null;
  description: string | null;
  valid: boolean;
  manifest: { parameters?: Record<string, ParamSpec>; steps?: { name: string }[] } | null;
}

export interface Measurement {
  name: string;
  value: unknown;
  unit?: string | null;
  low?: number | null;
  high?: number | null;
  equals?: unknown;
  pass: boolean | null;
}

/** A row of GET /api/results. */
export interface ExecutionRow {
  id: string;
  batchId: string;
  sequenceName: string;
  sequenceVersion: string;
  status: string;
  overallPass: boolean | null;
  parameters: Record<string, unknown>;
  startedAt: string;
  completedAt: string | null;
  duration: number | null;
  error: string | null;
  /** Who started the run (operator id or token subject); null when nobody was identified. */
  operator: string | null;
  /** Who or what ended it early (ABORTED, BATCH_CRASHED, ...); null when it ran to its end. */
  statusReason?: string | null;
}

export interface ResultStep {
  name: string;
  order: number;
  status: string;
  pass: boolean | null;
  duration: number | null;
  error: string | null;
  measurements: Measurement[];
}

/** GET /api/results/{id}. */
export interface ExecutionResult extends ExecutionRow {
  steps: ResultStep[];
}

export interface ResultPage {
  items: ExecutionRow[];
  total: number;
  page: number;
  pageSize: number;
}

/** GET /api/system/health. */
export interface HealthStatus {
  status: 'healthy' | 'degraded' | 'unhealthy';
  backend_connected: boolean;
  services: Record<string, { reachable: boolean; error?: string }>;
  database: { writable: boolean };
  disk: {
    usedPercent: number | null;
    ok: boolean;
    /** low: below storage.min_free_mb, new starts are refused; warn: below storage.warn_free_mb. */
    level?: 'ok' | 'warn' | 'low';
    freeBytes?: number;
    minFreeBytes?: number;
  };
  reasons?: string[];
  sync: { mode: string; pending: number; lastError: string | null } | null;
}

export interface StationInfo {
  id: string;
  name: string;
  version: string;
}

/** GET /api/stats: one group's figures. */
export interface YieldFigures {
  unitsTested: number;
  passed: number;
  failed: number;
  firstPassed: number;
  firstPassYield: number | null;
  runs: number;
  cycleTime: { p50: number | null; p95: number | null };
}

/** GET /api/stats. */
export interface StationStats {
  from: string;
  to: string;
  total: YieldFigures;
  batches: (YieldFigures & { batchId: string })[];
  sequences: (YieldFigures & { sequenceName: string })[];
}
