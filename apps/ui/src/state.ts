// The live picture of the station, folded from WebSocket events: pure functions, tested without a browser.
// A card is never merged here: every `batch_status` is the whole card, composed by the gateway's read model
// (lifecycle from the supervisor, the run from the runner, the last verdict kept, a lost run's ERROR), so
// it replaces the one before; what stays here is what this page itself knows (a start it sent, prompts).
import type {
  BatchStatus,
  ExecutionSnapshot,
  LogLine,
  OperatorPrompt,
  ServerMessage,
  StepResult,
  SyncStatus,
} from '@station/model';

/**
 * A step as the detail view shows it: `pass` is null until the step has ended; `measurements` are those
 * of the latest attempt.
 */
export type StepView = Pick<StepResult, 'name' | 'status'> &
  Partial<Pick<StepResult, 'duration' | 'error' | 'measurements'>> & { pass: boolean | null };

export type { LogLine };

/** The unit on a batch's fixture: the one being tested, or the last one tested. */
export interface UnitView {
  serial: string;
  /** The run that tests it, once the station has said which. */
  executionId?: string;
}

/** Everything one batch's screens need beyond its status. */
export interface BatchLive {
  executionId?: string;
  steps: StepView[];
  logs: LogLine[];
  /** The operator prompt waiting for an answer on this batch. */
  prompt?: OperatorPrompt;
  /** Prompts closed lately: a REST snapshot taken before the close must not bring one back. */
  closedPrompts?: string[];
  unit?: UnitView;
  /** A start was sent from this page and the run has not been reported yet. */
  starting?: boolean;
  /** How the run of `steps` ended, once the station said (`sequence_complete`). */
  ended?: { executionId: string; status: string; statusReason: string | null; error: string | null };
}

export interface StationState {
  batches: Record<string, BatchStatus>;
  /** Batch ids in the order the snapshot listed them (station.yaml order). */
  order: string[];
  live: Record<string, BatchLive>;
  sync: SyncStatus | null;
}

export const emptyState: StationState = { batches: {}, order: [], live: {}, sync: null };

const MAX_LOG = 300;

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

/** A batch known only from an event, until its card arrives. */
function placeholder(id: string): BatchStatus {
  return { id, name: id, status: 'idle' };
}

/** The serial a status reports for the unit under test, if it reports one. */
function serialOf(data: Partial<BatchStatus>): string | undefined {
  return data.dut?.serialNumber ?? undefined;
}

/**
 * The unit of a run reported running: the serial the station reports, else the one this page sent when
 * it started the run; undefined when neither is known.
 */
function unitOf(live: BatchLive, executionId: string, data: Partial<BatchStatus>): UnitView | undefined {
  const sent = live.unit && (live.unit.executionId === undefined || live.unit.executionId === executionId);
  const serial = serialOf(data) ?? (sent ? live.unit?.serial : undefined);
  return serial ? { serial, executionId } : undefined;
}

function closePrompt(live: BatchLive, id: string): BatchLive {
  const closedPrompts = [...(live.closedPrompts ?? []), id].slice(-20);
  const { prompt, ...rest } = live;
  return prompt?.id === id ? { ...rest, closedPrompts } : { ...live, closedPrompts };
}

/** The page sent a start for `serial`: the previous verdict goes at once, before the station answers. */
export function markStarting(state: StationState, id: string, serial: string): StationState {
  const b = state.batches[id];
  if (!b) return state;
  const { lastResult: _gone, ...batch } = b;
  const { prompt: _p, ...live } = liveOf(state, id);
  return withBatch(state, id, batch, { ...live, unit: { serial }, starting: true });
}

/** The start failed: the card is ready again (without the verdict it already dropped). */
export function startFailed(state: StationState, id: string): StationState {
  const live = liveOf(state, id);
  return live.starting ? { ...state, live: { ...state.live, [id]: { ...live, starting: false } } } : state;
}

/** An answer was accepted: the prompt leaves the card before its closing event arrives. */
export function promptAnswered(state: StationState, id: string, promptId: string): StationState {
  return { ...state, live: { ...state.live, [id]: closePrompt(liveOf(state, id), promptId) } };
}

function upsertStep(steps: StepView[], name: string, patch: Partial<StepView>): StepView[] {
  const i = steps.findIndex((s) => s.name === name);
  if (i < 0) return [...steps, { name, status: 'pending', pass: null, ...patch }];
  return steps.map((s, j) => (j === i ? { ...s, ...patch } : s));
}

/** Folds one (checked, see messages.ts) WebSocket message into the station state. */
export function reduce(state: StationState, msg: ServerMessage): StationState {
  if (msg.type === 'sync_status') return { ...state, sync: msg.data };
  // The gateway's own answers (subscribed, an error about our request) change no batch.
  if (!('batch_id' in msg) || msg.batch_id === null) return state;
  const id = msg.batch_id;
  const prev = state.batches[id];
  const live = liveOf(state, id);
  const current = () => prev ?? placeholder(id);
  switch (msg.type) {
    case 'batch_status': {
      const status = msg.data;
      const next: BatchStatus = { ...status, id, name: status.name ?? id };
      const running = next.sequenceRunning === true && next.status === 'running';
      // The run in progress is this unit's: a verdict of an earlier run is never shown beside it, nor while
      // a start this page sent has not been reported yet.
      const earlier = running ? next.lastResult?.executionId !== next.executionId : live.starting === true;
      if (earlier) delete next.lastResult;
      // A start sent from this page stays pending until its request answers or the run is reported.
      const ended = running || !live.prompt ? live : { ...live, prompt: undefined };
      // A new execution starts with an empty step list.
      if (running && next.executionId && next.executionId !== live.executionId) {
        return withBatch(state, id, next, {
          ...live,
          executionId: next.executionId,
          ended: undefined,
          steps: [],
          starting: false,
          unit: unitOf(live, next.executionId, status),
        });
      }
      if (running && live.starting) return withBatch(state, id, next, { ...live, starting: false });
      return withBatch(state, id, next, ended === live ? undefined : ended);
    }
    case 'operator_prompt': {
      const prompt = msg.data;
      if (live.closedPrompts?.includes(prompt.id)) return state;
      return withBatch(state, id, current(), { ...live, prompt });
    }
    case 'operator_prompt_closed': {
      return withBatch(state, id, current(), closePrompt(live, msg.data.id));
    }
    case 'step_start': {
      const steps = upsertStep(live.steps, msg.data.step, {
        status: 'running',
        pass: null,
        error: null,
        measurements: [],
      });
      return withBatch(state, id, current(), { ...live, steps });
    }
    case 'step_complete': {
      const d = msg.data;
      const steps = upsertStep(live.steps, d.step, {
        status: d.status ?? (d.pass ? 'completed' : 'failed'),
        pass: d.pass,
        duration: d.duration,
        error: d.error ?? null,
        measurements: d.measurements ?? [],
      });
      return withBatch(state, id, current(), { ...live, steps });
    }
    case 'sequence_complete': {
      // The verdict reaches the card with the gateway's next card; here the run's final step list.
      const d = msg.data;
      return withBatch(state, id, current(), {
        ...live,
        executionId: d.executionId,
        steps: d.steps,
        ended: {
          executionId: d.executionId,
          status: d.status ?? (d.overallPass ? 'completed' : 'failed'),
          statusReason: d.statusReason ?? null,
          error: d.error?.message ?? null,
        },
        prompt: undefined,
        starting: false,
      });
    }
    case 'log': {
      const logs = [...live.logs, msg.data].slice(-MAX_LOG);
      return withBatch(state, id, current(), { ...live, logs });
    }
    case 'error': {
      const d = msg.data;
      // An abort the operator asked for is not a fault: it goes to the log, not the red banner.
      if (d.code === 'ABORTED') {
        const line: LogLine = {
          level: 'warn',
          message: `ABORTED: ${d.message}`,
          timestamp: new Date().toISOString(),
        };
        return withBatch(state, id, current(), { ...live, logs: [...live.logs, line].slice(-MAX_LOG) });
      }
      // The banner is the card's lastError (the gateway puts the error on the card); here the log line.
      const line: LogLine = {
        level: 'error',
        message: `${d.code}: ${d.message}`,
        timestamp: new Date().toISOString(),
      };
      return withBatch(state, id, current(), { ...live, logs: [...live.logs, line].slice(-MAX_LOG) });
    }
    // The alarm shows at once; the gateway's next card carries it too (`drift`), and later takes it off.
    case 'measurement_drift':
      return withBatch(state, id, { ...current(), drift: msg.data });
    // The run's start is told by batch_status too; the read model's inputs never reach a screen.
    case 'sequence_start':
    case 'batch_process':
    case 'sequence_status':
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
  const current = exec.status === 'running' ? exec.currentStep : undefined;
  if (current !== undefined && !steps.some((s) => s.name === current))
    steps.push({ name: current, status: 'running', pass: null });
  // A prompt closed since the request went out stays closed; one that opened since is kept.
  const prompt =
    exec.prompt && !live.closedPrompts?.includes(exec.prompt.id) ? (live.prompt ?? exec.prompt) : live.prompt;
  const withPrompt = prompt ? { ...live, prompt } : live;
  // Events that arrived after the request went out are newer than the snapshot; keep them.
  if (live.executionId === exec.executionId && live.steps.length > steps.length) {
    return { ...state, live: { ...state.live, [id]: withPrompt } };
  }
  return {
    ...state,
    live: { ...state.live, [id]: { ...withPrompt, executionId: exec.executionId, steps } },
  };
}

/** An error line stamped by the gateway and by this page closer than this (ms) is one line. */
const SAME_ERROR_MS = 5000;
/** The line an `error` event becomes ("CODE: message"), on the station's side and on this page's. */
const ERROR_LINE = /^[A-Z][A-Z0-9_]*: /;

/**
 * Seeds a batch's log from the station's recent log (`GET /api/batches/{id}/log`, a page opened fresh):
 * the station's lines first, then the lines this page got on the socket that the station's list does not
 * hold yet. A runner's line carries its own stamp on both sides; an error becomes a line on both sides,
 * stamped by two clocks, so the same error text within 5 s is one line.
 */
export function seedLog(state: StationState, id: string, lines: LogLine[]): StationState {
  const live = liveOf(state, id);
  const told = (l: LogLine) =>
    lines.some(
      (s) =>
        s.level === l.level &&
        s.message === l.message &&
        (s.timestamp === l.timestamp ||
          (ERROR_LINE.test(l.message) &&
            Math.abs(Date.parse(s.timestamp) - Date.parse(l.timestamp)) < SAME_ERROR_MS)),
    );
  const logs = [...lines, ...live.logs.filter((l) => !told(l))].slice(-MAX_LOG);
  return { ...state, live: { ...state.live, [id]: { ...live, logs } } };
}
