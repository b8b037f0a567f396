// One batch's runner: holds the loaded sequence package and its connected hardware, runs sequences one at
// a time, runs manual commands in between, and answers the `runner.<batchId>` methods of the bus.
import { BusError, type Handlers } from '@station/bus';
import type { BatchConfig } from '@station/config';
import { newExecutionId, type Store, unitOf, verdictOf } from '@station/db';
import type { Logger } from '@station/log';
import type { Dut, LastResult, RunnerStatus, SequenceStatus, StationEvent, StepResult } from '@station/model';
import {
  checkStartDut,
  DEFAULT_GRACE_MS,
  type HardwareSet,
  isSequenceError,
  type LoadedPackage,
  loadPackage,
  openHardware,
  type PackageVersion,
  type Params,
  type Problem,
  type PromptClosed,
  PromptDesk,
  progressOf,
  resolveParameters,
  resolveVersion,
  runManualCommand,
  runSequence,
  SequenceError,
} from '@station/sequence';
import { type AbortCause, createRecorder, endOf } from '@station/sequence/recorder';
import { healthHandler } from '@station/service/health';
import type { StorageState } from '@station/service/storage';
import { type Clock, systemClock } from '@station/time';
import { ABORT_CAUSES, type LiveExecution, type NotClean, type RecoveryState, runnerStatus } from './live.ts';
import { recoverIfNeeded } from './recovery.ts';
import { markStart } from './start-marks.ts';
import { isStorageFull, PendingCloses, storageLowError, unrecordedEnd } from './storage.ts';

export { ABORT_CAUSES } from './live.ts';

export interface RunnerOptions {
  batch: BatchConfig;
  sequencesDir: string;
  /** Checked manifests by package hash (`<data_dir>/cache`), so a restart skips the manifest's checks. */
  cacheDir?: string;
  store: Store;
  publish: (event: StationEvent) => void;
  log: Logger;
  /** How long an aborted step may take to wind down (ms). */
  graceMs?: number;
  /** Time of executions, elapsed times, prompts and uptime (default: the real clock). */
  clock?: Clock;
  /** Free space of the data folder; a start is refused while it is `low`. Default: never low. */
  storage?: { state(): StorageState };
  /** How often an execution that could not be closed is tried again (ms). Default 1000. */
  closeRetryMs?: number;
  /** The kernel's start time of this process, answered in `health` (the supervisor's identity check). */
  startTime?: string;
  /** Called at every `status` request: the supervisor's heartbeat (see orphan.ts). */
  onStatusRequest?: () => void;
}

/** Turns a package/driver error into one the bus sends to the caller with its code and details. */
export function toBusError(err: unknown): unknown {
  if (isSequenceError(err)) {
    return new BusError(err.code, err.message, { details: err.details, cause: err });
  }
  return err;
}

export class BatchRunner {
  readonly batchId: string;
  readonly #opts: RunnerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #now: () => number;
  readonly #startedAt: number;
  #pkg: LoadedPackage | undefined;
  #problems: Problem[] = [];
  /** The reload of a new version in flight (see `#refreshPackage`). */
  #reloading: Promise<void> | undefined;
  #hardware: HardwareSet | undefined;
  #hardwareError: string | undefined;
  #execution: LiveExecution | undefined;
  /** A step's end status not yet published (#statusSoon). */
  #statusLater: ReturnType<typeof setImmediate> | undefined;
  #manualBusy = false;
  #shuttingDown = false;
  /** Set while the runner has no supervisor: it takes no new run (see `retire`). */
  #retiring: string | undefined;
  #notClean: NotClean | undefined;
  /** The recovery run at start, when one was needed. */
  #recovery: RecoveryState | undefined;
  /** What a start waits for first (see `holdRunsUntil`). */
  #held: Promise<void> | undefined;
  readonly #closes: PendingCloses;
  /** Operator prompts of this runner's runs; it remembers closed ids, so a late answer gets 409, not 404. */
  readonly #prompts: PromptDesk;

  constructor(opts: RunnerOptions) {
    this.#opts = opts;
    this.batchId = opts.batch.id;
    this.#log = opts.log;
    const clock = opts.clock ?? systemClock;
    this.#clock = clock;
    this.#now = () => clock.now();
    this.#startedAt = this.#now();
    this.#prompts = new PromptDesk({ clock });
    this.#closes = new PendingCloses(opts.store, opts.log, opts.closeRetryMs);
  }

  /**
   * Has `sequence.start` wait for `pending` (the warm-up after registration) before taking a run, so a
   * unit started the moment the slot is Ready does not share the CPU with it.
   */
  holdRunsUntil(pending: Promise<unknown>): void {
    const held = pending.then(
      () => undefined,
      () => undefined,
    );
    this.#held = held;
    void held.then(() => {
      if (this.#held === held) this.#held = undefined;
    });
  }

  /** Executions that could not be recorded to the end and still wait to be closed in the store. */
  get unclosed(): string[] {
    return this.#closes.pending;
  }

  /**
   * The folder of the version the batch's rule picks now (throws NOT_FOUND naming what is installed). The
   * rule is read from the store at each call: an engineer's pin (`sequence_pins`, written by the
   * supervisor) replaces station.yaml's `sequence_version`, and reaches this runner at its next start.
   */
  #resolve(): PackageVersion {
    const { batch, sequencesDir, store } = this.#opts;
    const { rule } = store.batchVersionRule(batch.id, batch.sequence_version);
    return resolveVersion(sequencesDir, batch.sequence_package, rule, { cacheDir: this.#opts.cacheDir });
  }

  /**
   * Before a start, with nothing running: when the version the rule picks is another folder or another
   * hash than the loaded one (an engineer installed or pinned a version), load it and reconnect the
   * hardware to it. A version that does not load leaves the loaded one in place (logged). Concurrent
   * starts share one reload.
   */
  #refreshPackage(): Promise<void> {
    if (this.#execution || this.#manualBusy || !this.#pkg) return Promise.resolve();
    this.#reloading ??= this.#reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reload(): Promise<void> {
    const current = this.#pkg;
    if (!current) return;
    let next: PackageVersion;
    try {
      next = this.#resolve();
    } catch (err) {
      this.#log.warn({ err: String(err) }, 'sequence version not found; keeping the loaded one');
      return;
    }
    if (next.dir === current.dir && next.hash === current.hash) return;
    const result = await loadPackage(next.dir, {
      sequencesDir: this.#opts.sequencesDir,
      cacheDir: this.#opts.cacheDir,
    });
    if (!result.ok) {
      this.#log.warn(
        { version: next.version, problems: result.problems },
        'new sequence version does not load; keeping the loaded one',
      );
      return;
    }
    if (this.#execution || this.#manualBusy) return;
    const hardware = this.#hardware;
    this.#hardware = undefined;
    if (hardware) await hardware.close();
    this.#pkg = result.package;
    this.#log.info(
      {
        sequence: result.package.manifest.name,
        version: result.package.manifest.version,
        hash: result.package.hash,
      },
      'sequence package reloaded',
    );
  }

  /** Loads the package and connects the hardware. Never throws: problems leave the runner in `error`. */
  async init(): Promise<void> {
    const { batch, sequencesDir } = this.#opts;
    try {
      const result = await loadPackage(this.#resolve().dir, {
        sequencesDir,
        cacheDir: this.#opts.cacheDir,
      });
      if (!result.ok) {
        this.#problems = result.problems;
        this.#log.error(
          { problems: result.problems },
          `sequence package ${batch.sequence_package} is invalid`,
        );
        this.#event('error', {
          code: 'INVALID_PACKAGE',
          message: `sequence package ${batch.sequence_package} is invalid (${result.problems.length} problems)`,
          step: null,
          details: { problems: result.problems },
        });
        return;
      }
      this.#pkg = result.package;
      markStart('package');
      this.#log.info(
        { sequence: this.#pkg.manifest.name, version: this.#pkg.manifest.version, hash: this.#pkg.hash },
        'sequence package loaded',
      );
    } catch (err) {
      const message = isSequenceError(err) ? err.message : String(err);
      this.#problems = [{ code: 'NOT_FOUND', file: batch.sequence_package, message } as Problem];
      this.#log.error({ err }, `cannot load sequence package ${batch.sequence_package}`);
      this.#event('error', { code: 'INVALID_PACKAGE', message, step: null });
      return;
    }
    await this.#connect();
    markStart('hardware');
    if (await this.#resumeHeld()) return;
    await this.#recover();
    markStart('recovery');
  }

  /**
   * A run the crashed runner cut off and the supervisor held (`resume: after_last_completed`): continued
   * from the step after the last one that ended, once every driver is in its safe state (no cleanup
   * steps: they would undo what the remaining steps rely on). When it cannot be resumed (the package
   * changed or no longer resumes, no hardware, a safeState() failed) it is ended as a crashed run and the
   * usual recovery follows. True when a run was resumed.
   */
  async #resumeHeld(): Promise<boolean> {
    const pkg = this.#pkg;
    const store = this.#opts.store;
    if (!pkg) return false;
    const held = store.heldExecution(this.batchId);
    if (!held) return false;
    const startedAt = new Date(this.#now()).toISOString();
    const hw = this.#hardware;
    const safeState: { hardware: string; ok: boolean; error?: string }[] = [];
    let why: string | undefined;
    if (pkg.manifest.resume !== 'after_last_completed') why = 'the package does not resume (resume: off)';
    else if (held.packageHash !== pkg.hash) why = 'the sequence package changed since the run started';
    else if (!hw) why = `hardware not connected: ${this.#hardwareError ?? 'unknown error'}`;
    else {
      const problems = await hw.safeState();
      for (const name of Object.keys(hw.drivers)) {
        const problem = problems.find((p) => p.hardware === name);
        safeState.push(
          problem ? { hardware: name, ok: false, error: problem.message } : { hardware: name, ok: true },
        );
      }
      if (problems.length > 0)
        why = problems.map((p) => `safeState() of ${p.hardware}: ${p.message}`).join('; ');
    }
    const result = why ? undefined : store.getResult(held.id);
    if (!hw || !result || why) {
      // Ended as any crashed run (with the crash's own reason); the recovery then runs on it.
      store.markInterrupted(held.id, 'failed', { reason: held.statusReason, message: held.error ?? '' });
      this.#log.warn({ executionId: held.id, reason: why }, `cut-off run ${held.id} not resumed: ${why}`);
      return false;
    }
    const ended = new Set(['completed', 'failed', 'skipped']);
    let fromIndex = 0;
    while (fromIndex < result.steps.length && ended.has(result.steps[fromIndex]!.status)) fromIndex++;
    const steps: StepResult[] = result.steps.slice(0, fromIndex);
    const from = { order: fromIndex, step: pkg.manifest.steps[fromIndex]?.name ?? '' };
    const record = {
      kind: 'resume' as const,
      startedAt,
      completedAt: new Date(this.#now()).toISOString(),
      passed: true,
      safeState,
      steps: [],
      resumedFrom: from,
      interruption: { reason: held.statusReason, message: held.error ?? '' },
    };
    store.resumeExecution(held.id, fromIndex, record);
    const message = `resumed ${held.id} at step ${from.order} (${from.step || 'end'}) after it was cut off (${held.statusReason})`;
    this.#recovery = { executionId: held.id, passed: true, message };
    this.#log.warn({ executionId: held.id, resume: record }, message);
    const live: LiveExecution = {
      executionId: held.id,
      startedAt: result.startedAt,
      total: pkg.manifest.steps.length,
      finished: fromIndex,
      steps: [...steps],
      abort: new AbortController(),
      done: Promise.resolve(),
      dut: unitOf(result),
      // Every screen says so while it runs: the earlier resumes of this run, and this one.
      resumes: [
        ...(result.resumes ?? []),
        {
          resumedAt: record.completedAt,
          fromOrder: from.order,
          fromStep: from.step,
          reason: record.interruption.reason,
          message: record.interruption.message,
        },
      ],
    };
    this.#execution = live;
    live.done = this.#run(pkg, result.parameters as Params, live, {
      fromIndex,
      steps,
      startedAt: result.startedAt,
    });
    return true;
  }

  /**
   * Before the first run: when the batch's last execution was cut off (a crash), safe state and cleanup
   * steps on that execution's behalf (recovery.ts). A failure keeps runs refused until acknowledged.
   */
  async #recover(): Promise<void> {
    const pkg = this.#pkg;
    if (!pkg) return;
    try {
      const done = await recoverIfNeeded({
        store: this.#opts.store,
        batchId: this.batchId,
        pkg,
        hardware: this.#hardware,
        hardwareError: this.#hardwareError,
        graceMs: this.#opts.graceMs,
        now: this.#now,
      });
      if (!done) return;
      this.#recovery = { executionId: done.executionId, passed: done.record.passed, message: done.message };
      if (done.record.passed) {
        this.#log.info({ executionId: done.executionId, recovery: done.record }, done.message);
        return;
      }
      this.#log.error({ executionId: done.executionId, recovery: done.record }, done.message);
      this.#event('error', {
        code: 'RECOVERY_FAILED',
        message: done.message,
        step: null,
        details: { executionId: done.executionId, recovery: done.record },
      });
    } catch (err) {
      // The store refused the record: the hardware's state is unknown, so runs stay refused.
      const message = `recovery could not be completed: ${err instanceof Error ? err.message : String(err)}`;
      this.#recovery = { executionId: '', passed: false, message };
      this.#log.error({ err }, message);
      this.#event('error', { code: 'RECOVERY_FAILED', message, step: null });
    }
  }

  /** An operator confirms the fixture is safe after a failed recovery; runs are taken again. */
  acknowledgeRecovery(operator?: string): { executionId: string; acknowledgedAt: string } {
    const r = this.#recovery;
    if (!r || r.passed || r.acknowledged) {
      throw new BusError('NOT_FOUND', `${this.batchId} has no failed recovery waiting to be acknowledged`);
    }
    const acknowledgedAt = new Date(this.#now()).toISOString();
    if (r.executionId) {
      const record = this.#opts.store.getRecovery(r.executionId);
      if (record) {
        this.#opts.store.recordRecovery(r.executionId, {
          ...record,
          acknowledgedAt,
          ...(operator ? { acknowledgedBy: operator } : {}),
        });
      }
    }
    r.acknowledged = true;
    this.#log.warn({ executionId: r.executionId, operator }, 'failed recovery acknowledged by an operator');
    return { executionId: r.executionId, acknowledgedAt };
  }

  /** Connects the hardware if it is not connected; a failure is remembered and reported, not thrown. */
  async #connect(): Promise<boolean> {
    if (this.#hardware) return true;
    if (!this.#pkg) return false;
    try {
      this.#hardware = await openHardware(this.#pkg, this.#opts.batch.hardware);
      this.#hardwareError = undefined;
      return true;
    } catch (err) {
      this.#hardwareError = err instanceof Error ? err.message : String(err);
      this.#log.error({ err }, 'hardware connect failed');
      this.#event('error', { code: 'HARDWARE_ERROR', message: this.#hardwareError, step: 'connect' });
      return false;
    }
  }

  get running(): boolean {
    return this.#execution !== undefined;
  }

  status(): RunnerStatus {
    return runnerStatus({
      batchId: this.batchId,
      pkg: this.#pkg,
      problems: this.#problems,
      hardware: this.#hardware,
      hardwareError: this.#hardwareError,
      execution: this.#execution,
      prompt: this.#prompts.open[0],
      manualBusy: this.#manualBusy,
      notClean: this.#notClean,
      recovery: this.#recovery,
    });
  }

  /**
   * Starts a sequence in the background; resolves once its execution row exists (with who started it and
   * the unit under test, checked against the manifest's `dut` block first).
   */
  async startSequence(
    parameters: Record<string, unknown> = {},
    operator?: string,
    dut?: Dut,
  ): Promise<{ executionId: string }> {
    // Any await comes before the checks below: between them and the slot's reservation there is none.
    if (this.#held) await this.#held;
    await this.#refreshPackage();
    if (this.#shuttingDown) throw new BusError('SHUTTING_DOWN', `${this.batchId} is shutting down`);
    if (this.#retiring) throw new BusError('SHUTTING_DOWN', this.#retiring);
    const recovery = this.#recovery;
    if (recovery && !recovery.passed && !recovery.acknowledged) {
      throw new BusError(
        'RECOVERY_FAILED',
        `${recovery.message}; make the fixture safe, then acknowledge it (POST /api/batches/${this.batchId}/acknowledge)`,
        { details: { executionId: recovery.executionId } },
      );
    }
    if (this.#notClean) {
      throw new BusError('RUNNER_NOT_CLEAN', `${this.#notClean.message}; wait for the runner restart`, {
        details: { steps: this.#notClean.steps },
      });
    }
    if (this.#execution) {
      throw new BusError(
        'SEQUENCE_RUNNING',
        `${this.batchId} is already running ${this.#execution.executionId}`,
        {
          details: { executionId: this.#execution.executionId },
        },
      );
    }
    if (this.#manualBusy) {
      throw new BusError(
        'MANUAL_COMMAND_RUNNING',
        `${this.batchId} is running a manual command; try again when it ends`,
      );
    }
    // Checked on every start (one statfs, cached briefly): a unit tested now must have room for its result.
    const storage = this.#opts.storage?.state();
    if (storage?.level === 'low') throw storageLowError(storage);
    const pkg = this.#pkg;
    if (!pkg) {
      throw new BusError(
        'INVALID_PACKAGE',
        `sequence package ${this.#opts.batch.sequence_package} is not loaded`,
        {
          details: { problems: this.#problems },
        },
      );
    }
    let params: ReturnType<typeof resolveParameters>;
    try {
      params = resolveParameters(pkg.manifest, this.#opts.batch.parameters ?? {}, parameters);
      checkStartDut(pkg.manifest.dut, dut);
    } catch (err) {
      throw toBusError(err);
    }
    // Reserve the slot before any await, so two concurrent starts cannot both pass the check above.
    const abort = new AbortController();
    const executionId = newExecutionId(this.#now());
    const startedAt = new Date(this.#now()).toISOString();
    const live: LiveExecution = {
      executionId,
      startedAt,
      total: pkg.manifest.steps.length,
      finished: 0,
      steps: [],
      abort,
      done: Promise.resolve(),
      dut: {
        serialNumber: dut?.serialNumber ?? null,
        partNumber: dut?.partNumber ?? null,
        revision: dut?.revision ?? null,
        lot: dut?.lot ?? null,
        serialSourceStep: null,
      },
    };
    this.#execution = live;
    if (!(await this.#connect())) {
      this.#execution = undefined;
      throw new BusError(
        'HARDWARE_ERROR',
        `hardware of ${this.batchId} is not connected: ${this.#hardwareError}`,
      );
    }
    try {
      this.#opts.store.createExecution({
        id: executionId,
        batchId: this.batchId,
        sequenceName: pkg.manifest.name,
        sequenceVersion: pkg.manifest.version,
        packageHash: pkg.hash,
        parameters: params,
        startedAt,
        steps: pkg.manifest.steps.map((step) => step.name),
        operator: operator ?? null,
        dut: live.dut,
        resumable: pkg.manifest.resume === 'after_last_completed',
      });
    } catch (err) {
      this.#execution = undefined;
      this.#log.error({ err }, 'cannot record the execution start');
      if (isStorageFull(err)) throw storageLowError(storage, `the store is full (${(err as Error).message})`);
      throw new BusError('STORE_ERROR', `cannot record the execution: ${(err as Error).message}`);
    }
    live.done = this.#run(pkg, params, live);
    return { executionId };
  }

  async #run(
    pkg: LoadedPackage,
    params: ReturnType<typeof resolveParameters>,
    live: LiveExecution,
    resume?: Parameters<typeof runSequence>[0]['resume'],
  ): Promise<void> {
    const hw = this.#hardware!;
    const log = this.#log.child({ executionId: live.executionId });
    log.info({ sequence: pkg.manifest.name, params }, 'sequence started');
    this.#status({ sequenceRunning: true });
    let storeError: unknown;
    let failedStep: string | null = null;
    const recorder = createRecorder(this.#opts.store, this.batchId, live.executionId, {
      // Abort rather than test on unrecorded: the engine skips the rest, runs cleanup steps, then the
      // hardware's safe state.
      onStoreError: (err) => {
        storeError = err;
        failedStep = live.currentStep ?? null;
        log.error({ err }, 'a result could not be stored; aborting the run');
        live.abort.abort(new SequenceError('ABORTED', 'results could not be stored'));
      },
      publish: (e) => this.#opts.publish(e),
      onStepStart: (d) => {
        live.currentStep = d.step;
        live.stepIndex = d.index;
        live.stepStartedAt = new Date(this.#now()).toISOString();
        this.#status({ sequenceRunning: true });
      },
      onStepEnd: (r) => {
        live.steps.push(r);
        live.finished++;
        this.#statusSoon();
      },
      onSerial: (d) => {
        live.dut = { ...live.dut, serialNumber: d.serialNumber, serialSourceStep: d.step };
        this.#status({ sequenceRunning: true });
      },
      abortCause: () => live.cause,
    });
    try {
      const outcome = await runSequence({
        pkg,
        params,
        drivers: hw.drivers,
        driverNames: hw.driverNames,
        executionId: live.executionId,
        batchId: this.batchId,
        signal: live.abort.signal,
        graceMs: this.#opts.graceMs,
        sink: recorder,
        prompts: this.#prompts,
        dut: live.dut,
        ...(resume ? { resume } : {}),
      });
      if (storeError !== undefined) {
        this.#endUnrecorded(live, outcome.duration, storeError, failedStep);
        return;
      }
      log.info(
        { status: outcome.status, pass: outcome.overallPass, duration: outcome.duration },
        'sequence ended',
      );
      if (outcome.abandoned) this.#taint(outcome.abandoned);
      this.#execution = undefined;
      const { statusReason } = endOf(outcome, live.cause);
      this.#status({
        sequenceRunning: false,
        lastResult: {
          executionId: live.executionId,
          status: outcome.status,
          overallPass: outcome.overallPass,
          completedAt: outcome.completedAt,
          duration: outcome.duration,
          verdict:
            verdictOf({ status: outcome.status, statusReason, overallPass: outcome.overallPass }) ?? 'ERROR',
          dut: outcome.dut,
        },
      });
    } catch (err) {
      // The sink itself threw (not a store write): the engine already put the hardware in a safe state.
      log.error({ err }, 'sequence ended by a recording failure');
      const duration = (this.#now() - Date.parse(live.startedAt)) / 1000;
      this.#endUnrecorded(live, duration, err, live.currentStep ?? null);
    }
  }

  /** Ends a run whose results could not all be stored; the batch is free for the next start at once. */
  #endUnrecorded(live: LiveExecution, duration: number, err: unknown, step: string | null): void {
    this.#execution = undefined;
    const end = unrecordedEnd(this.batchId, live.executionId, err, {
      step,
      duration,
      completedAt: new Date(this.#now()).toISOString(),
      steps: live.steps,
      dut: live.dut,
    });
    this.#closes.close(live.executionId, end.interruption);
    for (const event of end.events) this.#opts.publish(event);
    this.#status({ sequenceRunning: false, lastResult: end.lastResult });
  }

  /** Aborts the running sequence; resolves when it has ended (cleanup steps included). */
  async stopSequence(): Promise<{ status: string }> {
    const ex = this.#execution;
    if (!ex) throw new BusError('NOT_RUNNING', `${this.batchId} has no sequence running`);
    ex.cause ??= ABORT_CAUSES.ABORTED;
    ex.abort.abort(new SequenceError('ABORTED', 'sequence aborted by request'));
    await ex.done;
    return { status: 'stopped' };
  }

  /**
   * Answers an open operator prompt for `answeredBy` (API key name, token subject or `local`): the first
   * valid answer wins (see PromptDesk.answer for the errors).
   */
  answerPrompt(promptId: string, answer: unknown, answeredBy: string): PromptClosed {
    try {
      const closed = this.#prompts.answer(promptId, answer, answeredBy);
      this.#log.info({ promptId, answeredBy }, 'operator prompt answered');
      return closed;
    } catch (err) {
      throw toBusError(err);
    }
  }

  async manual(hardware: string, command: string, params: Record<string, unknown> = {}) {
    if (this.#execution) {
      // The run may be waiting for the operator: the instruments stay the sequence's all the same.
      const prompt = this.#prompts.open[0];
      throw new BusError(
        'SEQUENCE_RUNNING',
        `manual control is disabled while ${this.#execution.executionId} runs${prompt ? ' (it waits for an answer to an operator prompt)' : ''}`,
        {
          details: { executionId: this.#execution.executionId, ...(prompt ? { promptId: prompt.id } : {}) },
        },
      );
    }
    if (this.#manualBusy)
      throw new BusError('MANUAL_COMMAND_RUNNING', 'another manual command is still running');
    if (!(await this.#connect())) {
      throw new BusError(
        'HARDWARE_ERROR',
        `hardware of ${this.batchId} is not connected: ${this.#hardwareError}`,
      );
    }
    this.#manualBusy = true;
    const t0 = performance.now();
    try {
      const result = await runManualCommand(this.#hardware!.drivers, hardware, command, params);
      this.#log.info({ hardware, command, params }, 'manual command');
      return { hardware, command, result: result ?? null, duration: (performance.now() - t0) / 1000 };
    } catch (err) {
      throw toBusError(err);
    } finally {
      this.#manualBusy = false;
    }
  }

  /**
   * Takes no new run from now on (refused with SHUTTING_DOWN and `reason`) and resolves once the run in
   * progress, if any, has ended by itself. `unretire()` takes new runs again.
   */
  async retire(reason: string): Promise<void> {
    this.#retiring = reason;
    await this.#execution?.done;
  }

  unretire(): void {
    this.#retiring = undefined;
  }

  /**
   * Aborts what runs (its execution records `cause`), puts the hardware in a safe state and disconnects it.
   */
  async shutdown(cause: AbortCause = ABORT_CAUSES.ABORTED): Promise<void> {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    const ex = this.#execution;
    if (ex) {
      ex.cause ??= cause;
      ex.abort.abort(new SequenceError('ABORTED', 'batch is stopping'));
      await ex.done;
    }
    // A last try at closing what a full disk left open; the supervisor closes whatever still is.
    this.#closes.flush();
    this.#closes.stop();
    if (this.#hardware) {
      for (const p of await this.#hardware.safeState()) this.#log.warn(p, 'safe state failed');
      for (const p of await this.#hardware.close()) this.#log.warn(p, 'disconnect failed');
      this.#hardware = undefined;
    }
  }

  /** The bus handlers of `runner.<batchId>` (`metrics` is served by main.ts, which owns the registry). */
  handlers(onShutdown: () => void): Omit<Handlers<`runner.${string}`>, 'metrics'> {
    const health = healthHandler(`runner.${this.batchId}`, this.#clock, this.#startedAt);
    const startTime = this.#opts.startTime;
    return {
      // With its start time, so a supervisor adopting this runner knows it is this very process.
      health: () => (startTime ? { ...health(), startTime } : health()),
      status: () => {
        this.#opts.onStatusRequest?.();
        return this.status();
      },
      'sequence.start': (body) => this.startSequence(body.parameters, body.operator, body.dut),
      'sequence.stop': () => this.stopSequence(),
      'prompt.answer': (body) => this.answerPrompt(body.promptId, body.answer, body.answeredBy),
      'manual.run': (body) => this.manual(body.hardware, body.command, body.params),
      'recovery.acknowledge': (body) => this.acknowledgeRecovery(body.operator),
      shutdown: async (body) => {
        await this.shutdown(ABORT_CAUSES[body.reason ?? 'ABORTED']);
        onShutdown();
        return { status: 'stopped' };
      },
    };
  }

  /** A step was left running after its grace: refuse new work and ask the supervisor for a new process. */
  #taint(steps: string[]): void {
    const message = `step ${steps.join(', ')} did not return within ${this.#opts.graceMs ?? DEFAULT_GRACE_MS} ms of its abort or timeout and may still run`;
    this.#notClean = { steps, message };
    this.#log.error({ steps }, `${message}; the runner needs a restart`);
    this.#event('error', { code: 'RUNNER_NOT_CLEAN', message, step: steps[0] ?? null });
  }

  #event(
    type: 'error',
    data: { code: string; message: string; step: string | null; details?: unknown },
  ): void {
    this.#opts.publish({ type, batch_id: this.batchId, data });
  }

  /**
   * The status after a step's end, published once this turn of the event loop is over unless a newer
   * snapshot went out first. In a run the next step usually starts within the same turn, and its status
   * (which counts the step just finished) makes this one redundant: one `sequence_status` per step
   * instead of two, and the card's progress still moves as each step ends (issue 18). A step followed by
   * a wait (a timer, a prompt, the run's end) still has its own.
   */
  #statusSoon(): void {
    this.#statusLater ??= setImmediate(() => {
      this.#statusLater = undefined;
      this.#status({ sequenceRunning: true });
    });
  }

  /**
   * Publishes the run's facts (`sequence_status`): the runner is their one author. The batch's lifecycle
   * (`running`, `stopping`, ...) is the supervisor's; the gateway puts the two together on the card.
   */
  #status(extra: { sequenceRunning: boolean; lastResult?: LastResult }): void {
    // This snapshot says everything the one waiting would have said.
    if (this.#statusLater) {
      clearImmediate(this.#statusLater);
      this.#statusLater = undefined;
    }
    const ex = this.#execution;
    const pkg = this.#pkg;
    const data: SequenceStatus = { ...extra };
    if (pkg) {
      data.sequenceName = pkg.manifest.name;
      data.sequenceVersion = pkg.manifest.version;
    }
    if (ex) {
      data.executionId = ex.executionId;
      data.startedAt = ex.startedAt;
      data.totalSteps = ex.total;
      data.progress = progressOf(ex.finished, ex.total);
      data.dut = ex.dut;
      if (ex.resumes) data.resumes = ex.resumes;
      if (ex.currentStep !== undefined) {
        data.currentStep = ex.currentStep;
        data.stepIndex = ex.stepIndex;
        if (ex.stepStartedAt !== undefined) data.stepStartedAt = ex.stepStartedAt;
      }
    } else {
      data.dut = null;
    }
    this.#opts.publish({ type: 'sequence_status', batch_id: this.batchId, data });
  }
}
