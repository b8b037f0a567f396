// The gateway's read model of the station: every batch's card and detail, kept in memory from the event
// stream and resynchronised from a snapshot (the supervisor's batch.list, the store's last verdicts) on
// start, after the event link comes back and when the supervisor reappears. Reads never wait on another
// process once the first snapshot is in.
//
// Who authors what (docs/architecture.md): the supervisor the process lifecycle (`batch_process`), the
// runner its run (`sequence_status`, step events, `error`); the card is composed here by one rule:
// lifecycle from the supervisor, run fields from the runner shown while the process runs, the last verdict
// always, elapsed counted from the run's start at the moment of reading.
import type {
  BatchDetail,
  BatchProcess,
  BatchStatus,
  ErrorInfo,
  LastResult,
  LogLine,
  ManualCommand,
  MeasurementDrift,
  OperatorPrompt,
  ResumeEntry,
  RunUnit,
  SequenceStatus,
  StationEvent,
  StepResult,
} from '@station/model';
import type { Clock } from '@station/time';

/** Where the model's snapshots come from (the supervisor over the bus and the store, in app.ts). */
export interface SnapshotSource {
  /** Every batch's status (`supervisor batch.list`). */
  list(): Promise<BatchStatus[]>;
  /** One batch's detail (`supervisor batch.get`); rejects NOT_FOUND for a batch the supervisor lacks. */
  get(batchId: string): Promise<BatchDetail>;
  /** The newest finished run of each batch, from the store (what survives every restart). */
  lastResults(batchIds: string[]): Map<string, LastResult>;
  /** Whether the supervisor answers, and which process it is (a new pid = it restarted). */
  probe(): Promise<{ pid: number }>;
}

export interface StationModelOptions {
  source: SnapshotSource;
  clock: Clock;
  /** Called with a batch's new card whenever it changed (the WebSocket `batch_status`). */
  onCard?(card: BatchStatus): void;
  log?: { warn(obj: object, msg: string): void };
}

/** Why the cards are marked stale, and since when (ISO). */
export interface Staleness {
  since: string;
  reason: string;
}

/** What a detail adds to the card: configuration, and the package and commands of runner `pid`. */
type DetailPart = Pick<
  BatchDetail,
  'sequencePackage' | 'autoStart' | 'hardware' | 'parameters' | 'package' | 'manualCommands'
> & { pid?: number };

interface Run {
  executionId: string;
  sequenceRunning: boolean;
  startedAt?: string;
  totalSteps?: number;
  progress?: number;
  currentStep?: string;
  stepIndex?: number;
  stepStartedAt?: string;
  /** The unit under test (its serial once known). */
  dut?: RunUnit | null;
  /** The run was cut off by a crash and resumed by the next runner: each time, oldest first. */
  resumes?: ResumeEntry[];
  steps: StepResult[];
  /** The question waiting for the operator, while one is (a page opened mid-prompt shows it). */
  prompt?: OperatorPrompt;
  /** The last prompt that closed: a snapshot still showing it open is older than that. */
  closedPrompt?: string;
}

interface Entry {
  id: string;
  name: string;
  proc: Omit<BatchProcess, 'rev'>;
  /** Revision of the lifecycle facts held (see `batch_process`). */
  rev: number;
  sequenceName?: string;
  sequenceVersion?: string;
  run?: Run;
  lastResult?: LastResult;
  /** The latest `error` event of the current runner (cleared by a new run or a new process). */
  runError?: ErrorInfo;
  /** The latest drift alarm (`measurement_drift`), until a later run of the batch finishes. */
  drift?: MeasurementDrift;
  /** Arrival order of the two errors: the later one is shown. */
  procErrorAt: number;
  runErrorAt: number;
  /**
   * Arrival order of the latest run's start: a process error raised before it (BATCH_CRASHED, then a
   * restart by the policy) is over once a run goes, as a run's own error is over with the next run.
   */
  runStartAt: number;
  /** The recent log lines (`log` events and errors as lines), oldest first, at most LOG_LINES. */
  log: LogLine[];
  detail?: DetailPart;
  /** The last card sent to `onCard` (without elapsed), to send only changes. */
  sent?: string;
}

/** How many recent log lines the model keeps per batch (what a detail page opened fresh shows). */
export const LOG_LINES = 200;

/** A run's position: later executions, then further steps, then the end, compare greater. */
function runKey(exec: string, running: boolean, progress = 0, stepIndex = -1): [string, number, number] {
  return running ? [exec, progress, stepIndex] : [exec, Number.POSITIVE_INFINITY, 0];
}

function compareKeys(a: [string, number, number], b: [string, number, number]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] - b[1] || a[2] - b[2];
}

function keyOf(run: Run): [string, number, number] {
  return runKey(run.executionId, run.sequenceRunning, run.progress, run.stepIndex);
}

/**
 * The station as the gateway answers it.
 * @example const model = new StationModel({ source, clock }); await model.resync(); model.cards()
 */
export class StationModel {
  readonly #opts: StationModelOptions;
  readonly #entries = new Map<string, Entry>();
  #synced = false;
  #stale: Staleness | undefined;
  /** The resync in flight and the events that arrived during it (replayed over its snapshot). */
  #resync: { promise: Promise<void>; events: StationEvent[]; again: boolean } | undefined;
  #supervisorPid: number | undefined;
  #arrivals = 0;

  constructor(opts: StationModelOptions) {
    this.#opts = opts;
  }

  /** Whether a snapshot has ever been applied. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Set while the supervisor (or the event link) is unreachable: what the cards carry as `stale`. */
  get stale(): Staleness | undefined {
    return this.#stale;
  }

  /** Every batch's card, in the supervisor's order; takes the first snapshot if there is none yet. */
  async list(): Promise<BatchStatus[]> {
    if (!this.#synced) await this.resync();
    return this.cards();
  }

  /**
   * `list()` as JSON text, for GET /api/batches. Each card's text is the one kept at its last change
   * (`#emit` runs after every change of a card, as the one author of batch_status), with `elapsed` counted
   * now and put last: serialising 50 cards on every read was most of that read's cost.
   */
  async listJson(): Promise<string> {
    if (!this.#synced) await this.resync();
    return this.cardsJson();
  }

  /** `cards()` as JSON text (see listJson). */
  cardsJson(): string {
    const now = this.#opts.clock.now();
    const texts: string[] = [];
    for (const entry of this.#entries.values()) {
      const text = entry.sent ?? JSON.stringify(this.#card(entry, now, false));
      const elapsed = this.#elapsed(entry, now);
      texts.push(elapsed === undefined ? text : `${text.slice(0, -1)},"elapsed":${elapsed}}`);
    }
    return `[${texts.join(',')}]`;
  }

  /** The cards now, from memory (empty before the first snapshot). */
  cards(): BatchStatus[] {
    const now = this.#opts.clock.now();
    return [...this.#entries.values()].map((e) => this.#card(e, now));
  }

  /** One batch's detail; undefined for a batch the station does not have. */
  async get(batchId: string): Promise<BatchDetail | undefined> {
    if (!this.#synced) await this.resync();
    if (!this.#entries.has(batchId)) return undefined;
    if (!this.#entries.get(batchId)?.detail) await this.#fetchDetail(batchId);
    const entry = this.#entries.get(batchId);
    if (!entry?.detail) return undefined;
    return this.#detail(entry, entry.detail, this.#opts.clock.now());
  }

  /**
   * Takes a fresh snapshot and applies it; events that arrive meanwhile are applied at once and again
   * over the snapshot, so the result is never older than what was already shown. Concurrent calls share
   * one snapshot (and a call during one asks for another after it). Rejects when the supervisor does not
   * answer; the model then keeps what it had, marked stale.
   */
  resync(): Promise<void> {
    if (this.#resync) {
      this.#resync.again = true;
      return this.#resync.promise;
    }
    const state = { events: [] as StationEvent[], again: false, promise: Promise.resolve() };
    state.promise = this.#takeSnapshot(state).finally(() => {
      if (this.#resync === state) this.#resync = undefined;
      if (state.again) void this.resync().catch(() => undefined);
    });
    this.#resync = state;
    return state.promise;
  }

  async #takeSnapshot(state: { events: StationEvent[] }): Promise<void> {
    const { source, clock } = this.#opts;
    // Every lifecycle event with an older revision than this is already in the snapshot.
    const takenAt = clock.now();
    let rows: BatchStatus[];
    try {
      rows = await source.list();
    } catch (err) {
      this.markStale(`the supervisor does not answer: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    let lastResults = new Map<string, LastResult>();
    try {
      lastResults = source.lastResults(rows.map((r) => r.id));
    } catch (err) {
      this.#opts.log?.warn({ err: String(err) }, 'read model: last results not read from the store');
    }
    const previous = new Map(this.#entries);
    this.#entries.clear();
    for (const row of rows) {
      const entry = previous.get(row.id) ?? this.#newEntry(row.id, row.name);
      entry.name = row.name;
      this.#entries.set(row.id, entry);
      this.#applySnapshotRow(entry, row, takenAt);
      const last = lastResults.get(row.id);
      if (last) this.#takeLastResult(entry, last);
    }
    this.#synced = true;
    this.#stale = undefined;
    for (const event of state.events) this.#apply(event);
    for (const entry of this.#entries.values()) this.#emit(entry);
  }

  /** Marks every card stale (the supervisor or the event link is away); the cards go out again. */
  markStale(reason: string): void {
    if (this.#stale) return;
    this.#stale = { since: new Date(this.#opts.clock.now()).toISOString(), reason };
    for (const entry of this.#entries.values()) this.#emit(entry);
  }

  /**
   * One look at the supervisor: unreachable marks the model stale; reachable again, or a new supervisor
   * process, resyncs (it may know things the events missed). Never throws.
   */
  async check(): Promise<void> {
    let pid: number;
    try {
      ({ pid } = await this.#opts.source.probe());
    } catch (err) {
      this.markStale(`the supervisor does not answer: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const restarted = this.#supervisorPid !== undefined && this.#supervisorPid !== pid;
    this.#supervisorPid = pid;
    if (restarted || this.#stale || !this.#synced) await this.resync().catch(() => undefined);
  }

  /** The batch's recent log, oldest first; undefined for a batch the station does not have. */
  async log(batchId: string): Promise<LogLine[] | undefined> {
    if (!this.#synced) await this.resync();
    const entry = this.#entries.get(batchId);
    return entry ? [...entry.log] : undefined;
  }

  /** Folds one station event into the model; cards that changed go to `onCard`. */
  apply(event: StationEvent): void {
    // Log lines are kept once, as they arrive: never replayed over a snapshot (they are not in one).
    this.#keepLog(event);
    if (event.type === 'log') return;
    this.#resync?.events.push(event);
    const entry = this.#apply(event);
    if (entry) this.#emit(entry);
  }

  /** A `log` line, or an `error` as the line a screen shows for it, into the batch's recent log. */
  #keepLog(event: StationEvent): void {
    if (event.type !== 'log' && event.type !== 'error') return;
    const entry = this.#entries.get(event.batch_id);
    if (!entry) return;
    const line: LogLine =
      event.type === 'log'
        ? event.data
        : {
            // An abort someone asked for is a warning, not a fault.
            level: event.data.code === 'ABORTED' ? 'warn' : 'error',
            message: `${event.data.code}: ${event.data.message}`,
            timestamp: new Date(this.#opts.clock.now()).toISOString(),
          };
    entry.log.push(line);
    if (entry.log.length > LOG_LINES) entry.log.splice(0, entry.log.length - LOG_LINES);
  }

  #apply(event: StationEvent): Entry | undefined {
    if (!('batch_id' in event)) return undefined;
    const entry = this.#entries.get(event.batch_id);
    if (!entry) return undefined;
    switch (event.type) {
      case 'batch_process':
        this.#applyProcess(entry, event.data);
        break;
      case 'sequence_status':
        this.#applySequence(entry, event.data);
        break;
      case 'step_complete': {
        const run = entry.run;
        if (!run?.sequenceRunning) break;
        const d = event.data;
        const step: StepResult = {
          name: d.step,
          order: run.currentStep === d.step && run.stepIndex !== undefined ? run.stepIndex : run.steps.length,
          status: d.status ?? (d.pass ? 'completed' : 'failed'),
          pass: d.pass,
          startedAt: null,
          completedAt: null,
          duration: d.duration,
          attempts: 1,
          result: d.result,
          error: d.error ?? null,
          measurements: d.measurements ?? [],
        };
        // Repeated events replace, never add: a step is in the list once.
        run.steps = [...run.steps.filter((s) => s.name !== d.step), step];
        break;
      }
      case 'sequence_complete': {
        const d = event.data;
        // A new run's end replaces the alarm: the gateway raises it again right after if it still holds.
        if (entry.drift?.executionId !== d.executionId) entry.drift = undefined;
        if (entry.run?.executionId === d.executionId) {
          entry.run.steps = d.steps;
          entry.run.prompt = undefined;
        }
        // The verdict comes with the runner's `sequence_status`. This one counts only in place of the ERROR
        // given to a run lost with its process (no duration yet): the supervisor's report of that run as
        // the store holds it (its duration, its unit).
        const held = entry.lastResult;
        if (held?.executionId === d.executionId && held.duration === undefined) {
          this.#takeLastResult(entry, {
            executionId: d.executionId,
            status: d.status ?? (d.overallPass ? 'completed' : 'failed'),
            overallPass: d.status === 'failed' && d.statusReason ? null : d.overallPass,
            duration: d.duration,
            ...(d.error
              ? { errorCode: d.error.code }
              : d.status === 'failed' && d.statusReason
                ? { errorCode: d.statusReason }
                : {}),
            verdict: d.verdict,
            ...(d.dut ? { dut: d.dut } : {}),
          });
        }
        break;
      }
      case 'measurement_drift':
        entry.drift = event.data;
        break;
      case 'operator_prompt':
        if (entry.run?.sequenceRunning && entry.run.executionId === event.data.executionId) {
          entry.run.prompt = event.data;
        }
        break;
      case 'operator_prompt_closed':
        if (entry.run?.executionId === event.data.executionId) {
          entry.run.closedPrompt = event.data.id;
          if (entry.run.prompt?.id === event.data.id) entry.run.prompt = undefined;
        }
        break;
      case 'error':
        // An abort someone asked for is not a fault to show on the card.
        if (event.data.code === 'ABORTED') break;
        entry.runError = {
          code: event.data.code,
          message: event.data.message,
          at: new Date(this.#opts.clock.now()).toISOString(),
          ...(event.data.details !== undefined
            ? { details: event.data.details }
            : event.data.step
              ? { details: { step: event.data.step } }
              : {}),
        };
        entry.runErrorAt = ++this.#arrivals;
        break;
      default:
        return undefined;
    }
    return entry;
  }

  #newEntry(id: string, name: string): Entry {
    return {
      id,
      name,
      proc: { status: 'idle', restarts: 0 },
      rev: 0,
      procErrorAt: 0,
      runErrorAt: 0,
      runStartAt: 0,
      log: [],
    };
  }

  #applyProcess(entry: Entry, data: BatchProcess): void {
    if (data.rev <= entry.rev) return; // repeated or overtaken
    entry.rev = data.rev;
    this.#setProcess(entry, data);
    // A runner the model has no package and commands of: ask once for its detail.
    if (data.status === 'running' && entry.detail?.pid !== data.pid) {
      void this.#fetchDetail(entry.id).catch(() => undefined);
    }
  }

  #setProcess(entry: Entry, data: Omit<BatchProcess, 'rev'>): void {
    const before = entry.proc;
    if (data.pid !== before.pid) {
      // Another process (or none): the old runner's run and errors are over; its commands may differ.
      const lost = entry.run?.sequenceRunning ? entry.run : undefined;
      if (lost) {
        lost.sequenceRunning = false;
        // A run that ended without its verdict (a crash, a kill, a lost process) is its unit's ERROR: the
        // previous unit's verdict must not come back in its place. The runner's own verdict, if it comes
        // late, replaces this one (same execution).
        this.#takeLastResult(entry, {
          executionId: lost.executionId,
          status: 'failed',
          overallPass: null,
          errorCode: data.lastError?.code ?? 'INTERRUPTED',
          verdict: 'ERROR',
          ...(lost.dut ? { dut: lost.dut } : {}),
        });
      }
      entry.runError = undefined;
    }
    // The supervisor's error cleared (acknowledged, or a start by request): the batch's errors are.
    if (before.lastError && !data.lastError) entry.runError = undefined;
    if (data.lastError && JSON.stringify(data.lastError) !== JSON.stringify(before.lastError)) {
      entry.procErrorAt = ++this.#arrivals;
    }
    entry.proc = {
      status: data.status,
      restarts: data.restarts,
      ...(data.pid !== undefined ? { pid: data.pid } : {}),
      ...(data.lastError ? { lastError: data.lastError } : {}),
    };
  }

  #applySequence(entry: Entry, data: SequenceStatus): void {
    if (data.sequenceName !== undefined) entry.sequenceName = data.sequenceName;
    if (data.sequenceVersion !== undefined) entry.sequenceVersion = data.sequenceVersion;
    if (data.lastResult) this.#takeLastResult(entry, data.lastResult);
    if (data.sequenceRunning && data.executionId) this.#takeRun(entry, data, []);
  }

  /** A run position, if it is ahead of the one held. */
  #takeRun(entry: Entry, data: SequenceStatus, steps: StepResult[]): void {
    const exec = data.executionId;
    if (!exec) return;
    const next = runKey(exec, data.sequenceRunning, data.progress, data.stepIndex);
    const held = entry.run;
    // A run lost with its runner, which the next runner resumed (manifest `resume:`): it runs again, and
    // the ERROR given to it when its process went was not its verdict (no duration: not the runner's).
    const last = entry.lastResult;
    const resumed =
      (data.resumes?.length ?? 0) > 0 && last?.executionId === exec && last.duration === undefined;
    // Behind the held position: old news. At it: the same position restated (or a serial a step read).
    // (The lost run's position is its end; its resumption goes on from an earlier step.)
    const reopened = resumed && held?.executionId === exec && !held.sequenceRunning;
    if (held && !reopened && compareKeys(next, keyOf(held)) < 0) return;
    // Ended already (its verdict is in): a late report of it running is old news.
    if (last && last.executionId >= exec && !resumed) return;
    const same = held?.executionId === exec;
    if (!same || reopened) {
      // A new (or resumed) run starts without the last one's error, and without a process error from
      // before it: the crash that cut a resumed run off is in its `resumes`.
      entry.runError = undefined;
      entry.runStartAt = ++this.#arrivals;
    }
    entry.run = {
      executionId: exec,
      sequenceRunning: data.sequenceRunning,
      steps: same && held.steps.length >= steps.length ? held.steps : steps,
      ...(same && held.prompt ? { prompt: held.prompt } : {}),
      ...(same && held.closedPrompt ? { closedPrompt: held.closedPrompt } : {}),
      ...(data.startedAt !== undefined ? { startedAt: data.startedAt } : {}),
      ...(data.totalSteps !== undefined ? { totalSteps: data.totalSteps } : {}),
      ...(data.progress !== undefined ? { progress: data.progress } : {}),
      ...(data.currentStep !== undefined ? { currentStep: data.currentStep } : {}),
      ...(data.stepIndex !== undefined ? { stepIndex: data.stepIndex } : {}),
      ...(data.stepStartedAt !== undefined ? { stepStartedAt: data.stepStartedAt } : {}),
      ...(data.dut !== undefined
        ? { dut: data.dut }
        : same && held.dut !== undefined
          ? { dut: held.dut }
          : {}),
      ...(data.resumes ? { resumes: data.resumes } : same && held.resumes ? { resumes: held.resumes } : {}),
    };
  }

  /** A verdict, if it is at least as new as the one held; it ends that run. */
  #takeLastResult(entry: Entry, last: LastResult): void {
    if (entry.lastResult && entry.lastResult.executionId > last.executionId) return;
    entry.lastResult = last;
    if (entry.run && entry.run.executionId <= last.executionId) entry.run.sequenceRunning = false;
  }

  #applySnapshotRow(entry: Entry, row: BatchStatus, takenAt: number): void {
    this.#setProcess(entry, {
      status: row.status,
      restarts: entry.proc.restarts,
      ...(row.pid !== undefined ? { pid: row.pid } : {}),
      ...(row.lastError ? { lastError: row.lastError } : {}),
    });
    entry.rev = Math.max(entry.rev, takenAt - 1);
    if (row.sequenceName !== undefined) entry.sequenceName = row.sequenceName;
    if (row.sequenceVersion !== undefined) entry.sequenceVersion = row.sequenceVersion;
    if (row.lastResult) this.#takeLastResult(entry, row.lastResult);
    if (row.status === 'running' && row.sequenceRunning && row.executionId) {
      this.#takeRun(entry, { ...row, sequenceRunning: true }, []);
    }
  }

  async #fetchDetail(batchId: string): Promise<void> {
    const detail = await this.#opts.source.get(batchId);
    const entry = this.#entries.get(batchId);
    if (!entry) return;
    entry.proc.restarts = detail.restarts;
    entry.detail = {
      ...(detail.pid !== undefined ? { pid: detail.pid } : {}),
      sequencePackage: detail.sequencePackage,
      autoStart: detail.autoStart,
      hardware: detail.hardware,
      parameters: detail.parameters,
      manualCommands: detail.manualCommands,
      ...(detail.package ? { package: detail.package } : {}),
    };
    // The runner's package and run only when the detail is of the process the model knows.
    if (detail.pid === undefined || detail.pid !== entry.proc.pid) return this.#emit(entry);
    if (detail.package) {
      entry.sequenceName = detail.package.name;
      entry.sequenceVersion = detail.package.version;
    }
    const ex = detail.execution;
    if (ex && ex.status === 'running') {
      this.#takeRun(entry, { ...ex, sequenceRunning: true }, ex.steps);
      if (entry.run?.executionId === ex.executionId && entry.run.steps.length < ex.steps.length) {
        entry.run.steps = ex.steps;
      }
      const held = entry.run;
      if (
        held?.executionId === ex.executionId &&
        ex.prompt &&
        !held.prompt &&
        held.closedPrompt !== ex.prompt.id
      ) {
        held.prompt = ex.prompt;
      }
    }
    this.#emit(entry);
  }

  /** Seconds since the run in progress started, when there is one with a start time. */
  #elapsed(entry: Entry, now: number): number | undefined {
    const run = entry.run?.sequenceRunning ? entry.run : undefined;
    if (entry.proc.status !== 'running' || run?.startedAt === undefined) return undefined;
    const started = Date.parse(run.startedAt);
    return Number.isFinite(started) ? Math.max(0, Math.round(now - started) / 1000) : undefined;
  }

  /** The card now; without `elapsed` when `withElapsed` is false (to compare with the card last sent). */
  #card(entry: Entry, now: number, withElapsed = true): BatchStatus {
    const { proc } = entry;
    const card: BatchStatus = { id: entry.id, name: entry.name, status: proc.status };
    if (proc.pid !== undefined) card.pid = proc.pid;
    if (proc.status === 'running') {
      if (entry.sequenceName !== undefined) card.sequenceName = entry.sequenceName;
      if (entry.sequenceVersion !== undefined) card.sequenceVersion = entry.sequenceVersion;
      const run = entry.run?.sequenceRunning ? entry.run : undefined;
      card.sequenceRunning = run !== undefined;
      if (run) {
        card.executionId = run.executionId;
        if (run.startedAt !== undefined) {
          card.startedAt = run.startedAt;
          const elapsed = withElapsed ? this.#elapsed(entry, now) : undefined;
          if (elapsed !== undefined) card.elapsed = elapsed;
        }
        if (run.totalSteps !== undefined) card.totalSteps = run.totalSteps;
        if (run.progress !== undefined) card.progress = run.progress;
        if (run.currentStep !== undefined) card.currentStep = run.currentStep;
        if (run.stepIndex !== undefined) card.stepIndex = run.stepIndex;
        if (run.stepStartedAt !== undefined) card.stepStartedAt = run.stepStartedAt;
        if (run.resumes) card.resumes = run.resumes;
      }
      // The unit of the run in progress; null between runs.
      card.dut = run?.dut ?? null;
    } else {
      card.sequenceRunning = false;
    }
    if (entry.lastResult) card.lastResult = entry.lastResult;
    // A process error is over once a run started after it: seen here (arrival order), or in the store's
    // last verdict when this gateway started after that run (a run ended later than the error was raised).
    const ranSince =
      entry.procErrorAt < entry.runStartAt ||
      (proc.lastError?.at !== undefined &&
        entry.lastResult?.completedAt !== undefined &&
        entry.lastResult.completedAt > proc.lastError.at);
    const procError = ranSince ? undefined : proc.lastError;
    const lastError =
      entry.runError && entry.runErrorAt > entry.procErrorAt ? entry.runError : (procError ?? entry.runError);
    if (lastError) card.lastError = lastError;
    if (entry.drift) card.drift = entry.drift;
    if (this.#stale) card.stale = this.#stale;
    return card;
  }

  #detail(entry: Entry, part: DetailPart, now: number): BatchDetail {
    // Commands and package belong to one runner process: shown while that process runs.
    const current = entry.proc.status === 'running' && part.pid === entry.proc.pid;
    const detail: BatchDetail = {
      ...this.#card(entry, now),
      sequencePackage: part.sequencePackage,
      autoStart: part.autoStart,
      hardware: part.hardware,
      parameters: part.parameters,
      manualCommands: current ? part.manualCommands : ([] as ManualCommand[]),
      restarts: entry.proc.restarts,
    };
    if (part.package && current) detail.package = part.package;
    const run = entry.run;
    if (entry.proc.status === 'running' && run?.sequenceRunning) {
      detail.execution = {
        executionId: run.executionId,
        status: 'running',
        startedAt: run.startedAt ?? '',
        totalSteps: run.totalSteps ?? 0,
        progress: run.progress ?? 0,
        steps: run.steps,
        ...(run.currentStep !== undefined ? { currentStep: run.currentStep } : {}),
        ...(run.stepIndex !== undefined ? { stepIndex: run.stepIndex } : {}),
        ...(run.stepStartedAt !== undefined ? { stepStartedAt: run.stepStartedAt } : {}),
        ...(run.prompt ? { prompt: run.prompt } : {}),
        ...(run.resumes ? { resumes: run.resumes } : {}),
      };
    }
    return detail;
  }

  /** Sends the card if it changed (elapsed alone is not a change: it is counted at every read). */
  #emit(entry: Entry): void {
    // Built without elapsed rather than copied without it: this runs for every event of every batch.
    const text = JSON.stringify(this.#card(entry, this.#opts.clock.now(), false));
    if (text === entry.sent) return;
    entry.sent = text;
    this.#opts.onCard?.(this.#card(entry, this.#opts.clock.now()));
  }
}
