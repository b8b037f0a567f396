// The live picture of the station, folded from WebSocket events: pure functions, so the rules for
// partial status updates (what a heartbeat may and may not erase) are tested without a browser.
import type {
  BatchStatus,
  ErrorInfo,
  ExecutionSnapshot,
  LastResult,
  StepResult,
  SyncStatus,
} from './types.ts';

/** A step as the detail view shows it; `measurements` are those of the latest attempt. */
export type StepView = Pick<StepResult, 'name' | 'status' | 'pass' | 'duration' | 'error' | 'measurements'>;

export interface LogLine {
  level: string;
  message: string;
  timestamp: string;
}

/** Everything one batch's screens need beyond its status. */
export interface BatchLive {
  executionId?: string;
  steps: StepView[];
  logs: LogLine[];
}

export interface StationState {
  batches: Record<string, BatchStatus>;
  /** Batch ids in the order the snapshot listed them (station.yaml order). */
  order: string[];
  live: Record<string, BatchLive>;
  sync: SyncStatus | null;
}

export const emptyState: StationState = { batches: {}, order: [], live: {}, sync: null };

/** A gateway WebSocket message (SPEC §3.2). */
export interface WsMessage {
  type: string;
  batch_id?: string | null;
  data?: unknown;
}

const MAX_LOG = 300;
/** Fields that only mean something while a sequence runs. */
const RUN_FIELDS = ['currentStep', 'stepIndex', 'totalSteps', 'progress', 'elapsed', 'startedAt'] as const;

function liveOf(state: StationState, id: string): BatchLive {
  return state.live[id] ?? { steps: [], logs: [] };
}

function withBatch(state: StationState, id: string, batch: BatchStatus, live?: BatchLive): StationState {
  return {
    ...state,
    batches: { ...state.batches, [id]: batch },
    order: state.order.includes(id) ? state.order : [...state.order, id],
    live: live ? { ...state.live, [id]: live } : state.live,
  };
}

/** Merges a batch_status event: full snapshots replace, partial updates merge without erasing history. */
export function applyStatus(
  prev: BatchStatus | undefined,
  id: string,
  data: Partial<BatchStatus>,
): BatchStatus {
  const isSnapshot = typeof data.name === 'string' && typeof data.id === 'string';
  const base: BatchStatus = isSnapshot
    ? { id, name: id, status: 'idle' }
    : (prev ?? { id, name: id, status: 'idle' });
  const next: BatchStatus = { ...base, ...data, id };
  // A snapshot may omit the last result or error a live event already told us about; keep them.
  if (isSnapshot && prev) {
    if (!next.lastResult && prev.lastResult) next.lastResult = prev.lastResult;
  }
  const running = next.status === 'running' && next.sequenceRunning === true;
  if (!running) {
    for (const f of RUN_FIELDS) if (!(f in data) || data.sequenceRunning === false) delete next[f];
    if (next.status !== 'running') next.sequenceRunning = false;
  }
  // A process that came back (restart) clears the crash it recovered from, unless the update repeats it.
  if (prev && prev.status !== 'running' && next.status === 'running' && !data.lastError)
    delete next.lastError;
  return next;
}

function upsertStep(steps: StepView[], name: string, patch: Partial<StepView>): StepView[] {
  const i = steps.findIndex((s) => s.name === name);
  if (i < 0) return [...steps, { name, status: 'pending', pass: null, ...patch }];
  return steps.map((s, j) => (j === i ? { ...s, ...patch } : s));
}

/** Folds one WebSocket message into the station state. */
export function reduce(state: StationState, msg: WsMessage): StationState {
  const id = msg.batch_id ?? undefined;
  const data = (msg.data ?? {}) as Record<string, unknown>;
  if (msg.type === 'sync_status') return { ...state, sync: data as unknown as SyncStatus };
  if (!id) return state;
  const prev = state.batches[id];
  const live = liveOf(state, id);
  switch (msg.type) {
    case 'batch_status': {
      const next = applyStatus(prev, id, data as Partial<BatchStatus>);
      // A new execution starts with an empty step list and without the previous run's error.
      if (next.executionId && next.sequenceRunning && next.executionId !== live.executionId) {
        if (next.lastError && !(data as Partial<BatchStatus>).lastError) delete next.lastError;
        return withBatch(state, id, next, { ...live, executionId: next.executionId, steps: [] });
      }
      return withBatch(state, id, next);
    }
    case 'step_start': {
      const step = String(data.step);
      const steps = upsertStep(live.steps, step, {
        status: 'running',
        pass: null,
        error: null,
        measurements: [],
      });
      return withBatch(state, id, prev ?? applyStatus(undefined, id, {}), { ...live, steps });
    }
    case 'step_complete': {
      const step = String(data.step);
      const status =
        (data.status as StepView['status'] | undefined) ?? (data.pass === false ? 'failed' : 'completed');
      const steps = upsertStep(live.steps, step, {
        status,
        pass: (data.pass as boolean | null | undefined) ?? null,
        duration: (data.duration as number | undefined) ?? null,
        error: (data.error as string | null | undefined) ?? null,
        measurements: (data.measurements as StepView['measurements']) ?? [],
      });
      return withBatch(state, id, prev ?? applyStatus(undefined, id, {}), { ...live, steps });
    }
    case 'sequence_complete': {
      const base = prev ?? applyStatus(undefined, id, {});
      const next = applyStatus(base, id, {
        sequenceRunning: false,
        lastResult: {
          executionId: String(data.executionId),
          status: String(data.status ?? (data.overallPass ? 'completed' : 'failed')),
          overallPass: (data.overallPass as boolean | null) ?? null,
          duration: data.duration as number | undefined,
          // A run that ended in an error rather than a verdict (STORAGE_FULL: results not stored).
          ...((data.error as { code?: string } | undefined)?.code
            ? { errorCode: String((data.error as { code: string }).code) }
            : {}),
        },
      });
      const steps = Array.isArray(data.steps) ? (data.steps as StepView[]) : live.steps;
      return withBatch(state, id, next, { ...live, steps });
    }
    case 'log': {
      const logs = [...live.logs, data as unknown as LogLine].slice(-MAX_LOG);
      return withBatch(state, id, prev ?? applyStatus(undefined, id, {}), { ...live, logs });
    }
    case 'error': {
      // An abort the operator asked for is not a fault: it goes to the log, not the red banner.
      if (data.code === 'ABORTED') {
        const line: LogLine = {
          level: 'warn',
          message: `ABORTED: ${String(data.message)}`,
          timestamp: new Date().toISOString(),
        };
        return withBatch(state, id, prev ?? applyStatus(undefined, id, {}), {
          ...live,
          logs: [...live.logs, line].slice(-MAX_LOG),
        });
      }
      const lastError: ErrorInfo = {
        code: String(data.code),
        message: String(data.message),
        at: new Date().toISOString(),
        details: data.step ? { step: data.step } : undefined,
      };
      const line: LogLine = {
        level: 'error',
        message: `${lastError.code}: ${lastError.message}`,
        timestamp: lastError.at!,
      };
      const next = { ...(prev ?? applyStatus(undefined, id, {})), lastError };
      return withBatch(state, id, next, { ...live, logs: [...live.logs, line].slice(-MAX_LOG) });
    }
    default:
      return state;
  }
}

/**
 * Seeds a batch's step list from the REST detail (a page opened mid-run): the finished steps, plus the
 * current one as running (the runner lists only finished steps in its snapshot).
 */
export function seedSteps(state: StationState, id: string, exec: ExecutionSnapshot): StationState {
  const live = liveOf(state, id);
  const steps: StepView[] = [...exec.steps];
  const running = exec.status === 'running' && exec.currentStep;
  if (running && !steps.some((s) => s.name === exec.currentStep))
    steps.push({ name: exec.currentStep!, status: 'running', pass: null });
  // Events that arrived after the request went out are newer than the snapshot; keep them.
  if (live.executionId === exec.executionId && live.steps.length > steps.length) return state;
  return { ...state, live: { ...state.live, [id]: { ...live, executionId: exec.executionId, steps } } };
}

/** Fills a batch's last result from the store when the live status has none (after a restart). */
export function seedLastResult(state: StationState, id: string, last: LastResult): StationState {
  const b = state.batches[id];
  if (!b || b.lastResult) return state;
  return { ...state, batches: { ...state.batches, [id]: { ...b, lastResult: last } } };
}
