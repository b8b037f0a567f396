// The shapes the UI reads from the gateway: @station/model's, plus the REST-only ones the gateway builds
// itself.
export type {
  BatchDetail,
  BatchStatus,
  BatchVersion,
  CommandResult,
  ErrorInfo,
  ExecutionResult,
  ExecutionSnapshot,
  ExecutionSummary as ExecutionRow,
  InstalledVersion,
  LastResult,
  ManualCommand,
  Measurement,
  MeasurementDrift,
  MeasurementTrend,
  OperatorPrompt,
  PromptClosed,
  ResultsPage as ResultPage,
  StationStats,
  StepResult,
  SyncResult,
  SyncStatus,
  UnitHistory,
  Verdict as VerdictWord,
  YieldFigures,
} from '@station/model';

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
  /** The name per language (manifest `display`), shown instead of the id. */
  display?: DisplayNames;
}

/** A manifest's `display`: a name per UI language. */
export type DisplayNames = Partial<Record<string, string>>;

/** GET /api/sequences/{name}. */
export interface SequenceInfo {
  name: string;
  version: string | null;
  description: string | null;
  valid: boolean;
  manifest: {
    parameters?: Record<string, ParamSpec>;
    steps?: {
      name: string;
      display?: DisplayNames;
      measurements?: {
        name: string;
        display?: DisplayNames;
        /** A check against a fixed value (text, a mode): not a number, so it has no trend. */
        equals?: unknown;
      }[];
      /** The step's operator prompts per language, matched by the message the step asks with. */
      prompts?: { message: string; display: DisplayNames }[];
    }[];
  } | null;
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
  /** station.yaml `ui.language`; null: the browser's language. */
  ui?: { language: string | null };
}
