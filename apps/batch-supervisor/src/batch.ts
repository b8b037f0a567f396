// One batch's lifecycle: spawns its runner, waits for it to register on the bus, watches it (exit and
// heartbeat), stops it in escalating steps, and applies the restart policy after a failure. Every status
// change goes through one place that checks it is legal and publishes `batch_process`: the supervisor is
// the author of the process's lifecycle, never of the run's progress (the runner's `sequence_status`).

import type { BatchConfig } from '@station/config';
import { unitOf, verdictOf } from '@station/db';
import type { BatchDetail, BatchState, BatchStatus, ErrorInfo, Health, RunnerStatus } from '@station/model';
import { exitsWithin } from '@station/service/terminate';
import { sleep } from '@station/time';
import { SupervisorError } from './errors.ts';
import { endRunner } from './escalate.ts';
import { describeExit, type FailureCode, type FailureDetails, failureInfo, lastLine } from './failure.ts';
import { heartbeat } from './heartbeat.ts';
import { overLimitMessage, procRss, watchMemory } from './memory-watch.ts';
import { Restarter } from './restart-policy.ts';
import { canTransition } from './states.ts';
import { batchDetail, batchStatus, processEvent } from './status.ts';
import type { BatchDeps, ExitInfo, LinkResult, RunnerProcess, StopCause } from './types.ts';

/** Who asked for a start: a person (no automatic retry, the caller gets the error) or the supervisor. */
export type StartOrigin = 'request' | 'auto' | 'restart';

/** A stop asked for by a person (`batch.stop`, `batch.restart`): its execution ends `ABORTED`. */
const OPERATOR_STOP: StopCause = { reason: 'ABORTED', message: 'ABORTED: batch stopped by request' };

/** The reply of a successful start. */
export interface StartReply {
  status: BatchState;
  pid: number;
}

/** The supervisor's handle on one batch; all methods are safe to call concurrently. */
export class BatchController {
  readonly id: string;
  readonly #config: BatchConfig;
  readonly #deps: BatchDeps;
  #state: BatchState = 'idle';
  #proc: RunnerProcess | undefined;
  #exit: ExitInfo | undefined;
  /** Bumped at every spawn; callbacks of an older process see it changed and stand down. */
  #generation = 0;
  #origin: StartOrigin = 'request';
  #killedBecause: string | undefined;
  /** Set when the memory watchdog killed the runner: its exit is a RESOURCE_LIMIT, not a crash. */
  #overLimit = false;
  #runner: RunnerStatus | undefined;
  #lastError: ErrorInfo | undefined;
  #starting: Promise<StartReply> | undefined;
  #stopping: Promise<void> | undefined;
  readonly #restarter: Restarter;
  #closed = false;
  /** Revision of the last `batch_process` event. */
  #rev = 0;

  constructor(config: BatchConfig, deps: BatchDeps) {
    this.id = config.id;
    this.#config = config;
    this.#deps = deps;
    this.#restarter = new Restarter(config.restart, deps.clock, () => {
      if (this.#closed || this.#state !== 'error') return;
      this.start('restart').catch((err: unknown) =>
        deps.logger.warn({ batchId: this.id, err: String(err) }, 'automatic restart failed'),
      );
    });
  }

  get state(): BatchState {
    return this.#state;
  }

  get config(): BatchConfig {
    return this.#config;
  }

  /** The batch's status now, from what is cached (no request to the runner). */
  status(): BatchStatus {
    return batchStatus(this.#view());
  }

  /** The batch's detail, with a fresh runner status when it runs (the cached one if it does not answer). */
  async detail(timeoutMs = 1_000): Promise<BatchDetail> {
    if (this.#state === 'running') {
      const gen = this.#generation;
      const r = await this.#deps.link.status(this.id, timeoutMs);
      if (r.ok && gen === this.#generation && r.value.pid === this.#proc?.pid) this.#takeStatus(r.value);
    }
    return batchDetail(this.#view());
  }

  /**
   * Starts the runner and resolves once it has registered on the bus. A start while one is in progress
   * joins it (one process, both callers get its outcome); a start while stopping waits for the stop first.
   */
  async start(origin: StartOrigin = 'request'): Promise<StartReply> {
    while (this.#stopping) await this.#stopping;
    if (this.#closed) throw new SupervisorError('SHUTTING_DOWN', 'the supervisor is shutting down');
    if (this.#starting) return this.#starting;
    if (this.#state === 'running') {
      throw new SupervisorError('ALREADY_RUNNING', `batch ${this.id} is already running`, {
        details: { batchId: this.id, pid: this.#proc?.pid },
      });
    }
    this.#restarter.cancel();
    if (origin === 'request') {
      // A person took over: forget earlier crashes and give the policy a fresh budget.
      this.#restarter.reset();
      this.#lastError = undefined;
    }
    this.#origin = origin;
    const starting = this.#spawnAndRegister();
    this.#starting = starting;
    const clear = () => {
      if (this.#starting === starting) this.#starting = undefined;
    };
    starting.then(clear, clear);
    return starting;
  }

  /**
   * Stops the runner: `shutdown` on the bus, SIGTERM after the grace, SIGKILL after another. Its running
   * execution ends `stopped`. On a batch in `error` this acknowledges the error (and cancels a pending
   * restart); on an idle one it fails with NOT_RUNNING.
   */
  async stop(cause: StopCause = OPERATOR_STOP): Promise<{ status: BatchState }> {
    if (this.#stopping) {
      await this.#stopping;
      return { status: this.#state };
    }
    if (this.#state === 'idle') {
      throw new SupervisorError('NOT_RUNNING', `batch ${this.id} is not running`, {
        details: { batchId: this.id, status: this.#state },
      });
    }
    if (this.#state === 'error') {
      this.#restarter.cancel();
      this.#lastError = undefined;
      this.#transition('idle');
      return { status: this.#state };
    }
    const stopping = this.#stopProcess(cause);
    this.#stopping = stopping;
    try {
      await stopping;
    } finally {
      if (this.#stopping === stopping) this.#stopping = undefined;
    }
    return { status: this.#state };
  }

  /** Stops the batch if it has a runner, then starts it again; other batches are not touched. */
  async restart(): Promise<StartReply> {
    if (this.#stopping) await this.#stopping;
    if (this.#state === 'starting' || this.#state === 'running')
      await this.stop({
        reason: 'ABORTED',
        message: 'ABORTED: batch restarted by request',
      });
    return this.start('request');
  }

  /** For the supervisor's own shutdown: no more starts or restarts, and the runner stopped. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#restarter.cancel();
    if (this.#stopping) await this.#stopping;
    if (this.#state === 'starting' || this.#state === 'running')
      await this.stop({
        reason: 'SHUTDOWN',
        message: 'SHUTDOWN: the station is shutting down',
      });
  }

  /**
   * Takes over a runner an earlier supervisor left running, without touching it: `running` at once when
   * it answers `health` with its identity (pid and start time), else `starting` until it does (it may
   * still be loading), within the start timeout. From then on it is supervised as if spawned here.
   * Resolves once it is `running` or `starting`.
   */
  async adopt(proc: RunnerProcess): Promise<void> {
    const gen = ++this.#generation;
    this.#origin = 'auto';
    this.#exit = undefined;
    this.#killedBecause = undefined;
    this.#overLimit = false;
    this.#proc = proc;
    this.#deps.logger.info(
      { batchId: this.id, pid: proc.pid },
      'adopting a runner left by an earlier supervisor',
    );
    void proc.exited.then((exit) => this.#onExit(gen, proc, exit));
    this.#watchMemory(gen, proc);
    const first = await this.#deps.link.health(this.id, 1_000);
    if (gen !== this.#generation || this.#state !== 'idle') return;
    if (answers(first, proc)) {
      await this.#becomeRunning(gen, proc);
      return;
    }
    // Not awaited: it registers (or fails into the restart policy) while the supervisor already serves.
    this.#transition('starting');
    const starting = this.#register(gen, proc);
    this.#starting = starting;
    const clear = () => {
      if (this.#starting === starting) this.#starting = undefined;
    };
    starting.then(clear, (err: unknown) => {
      clear();
      this.#deps.logger.warn({ batchId: this.id, err: String(err) }, 'the adopted runner did not register');
    });
  }

  /**
   * The supervisor leaves and its runners stay (a restart of the supervisor): stop watching and restarting
   * without touching any process. The next supervisor adopts them.
   */
  leave(): void {
    this.#closed = true;
    this.#restarter.cancel();
    this.#generation++;
    this.#proc?.detach?.();
  }

  /** A runner that ended while no supervisor watched it: shown as the batch's `lastError`. */
  noteEndedUnwatched(code: FailureCode, message: string, details: FailureDetails): void {
    this.#lastError = failureInfo(code, message, details, this.#deps.clock.now());
  }

  #view() {
    return {
      config: this.#config,
      state: this.#state,
      pid: this.#state === 'idle' || this.#state === 'error' ? undefined : this.#proc?.pid,
      runner: this.#runner,
      lastError: this.#lastError,
      restarts: this.#restarter.count,
    };
  }

  #transition(to: BatchState): void {
    const from = this.#state;
    // An illegal transition is a bug in this file, never a reaction to the outside world.
    if (!canTransition(from, to)) throw new Error(`batch ${this.id}: illegal transition ${from} -> ${to}`);
    this.#state = to;
    if (to !== 'running') this.#runner = undefined;
    this.#deps.logger.info({ batchId: this.id, from, to, pid: this.#proc?.pid }, 'batch status changed');
    this.#publishProcess();
  }

  /** The lifecycle facts as they are now, under a revision above every earlier one (even a restart's). */
  #publishProcess(): void {
    this.#rev = Math.max(this.#rev + 1, this.#deps.clock.now());
    this.#deps.events.publish(processEvent(this.#view(), this.#rev));
  }

  async #spawnAndRegister(): Promise<StartReply> {
    this.#transition('starting');
    const gen = ++this.#generation;
    const release = await this.#deps.startGate.acquire();
    try {
      if (gen !== this.#generation || this.#state !== 'starting') throw this.#startError();
      return await this.#spawnOnce(gen);
    } finally {
      release();
    }
  }

  async #spawnOnce(gen: number): Promise<StartReply> {
    const deps = this.#deps;
    this.#exit = undefined;
    this.#killedBecause = undefined;
    this.#overLimit = false;
    let proc: RunnerProcess;
    try {
      proc = await deps.spawn(this.#config);
    } catch (err) {
      this.#proc = undefined;
      this.#fail('BATCH_START_FAILED', `could not spawn the runner: ${String(err)}`, { stderr: [] });
      throw this.#startError();
    }
    if (gen !== this.#generation || this.#state !== 'starting') {
      // A stop came while the host was starting it: it is ours to end.
      proc.kill('SIGKILL');
      throw this.#startError();
    }
    this.#proc = proc;
    void proc.exited.then((exit) => this.#onExit(gen, proc, exit));
    this.#watchMemory(gen, proc);
    return this.#register(gen, proc);
  }

  /** Waits until `proc` answers `health` as itself, then `running`; kills it at the start timeout. */
  async #register(gen: number, proc: RunnerProcess): Promise<StartReply> {
    const deps = this.#deps;
    const deadline = deps.clock.now() + deps.timings.startTimeoutMs;
    for (;;) {
      if (gen !== this.#generation || this.#state !== 'starting') throw this.#startError();
      const left = deadline - deps.clock.now();
      if (left <= 0) break;
      const health = await deps.link.health(this.id, Math.min(left, 1_000));
      if (gen !== this.#generation || this.#state !== 'starting') throw this.#startError();
      // The identity check skips another process that still holds the name (a runner being replaced).
      if (answers(health, proc)) {
        await this.#becomeRunning(gen, proc);
        if (gen !== this.#generation || !this.#isRunning()) throw this.#startError();
        return { status: 'running', pid: proc.pid };
      }
      await this.#sleep(Math.min(deps.timings.registerPollMs, deadline - deps.clock.now()));
    }
    this.#killedBecause = `the runner did not register on the bus within ${deps.timings.startTimeoutMs} ms`;
    proc.kill('SIGKILL');
    // The exit handler reports the failure; waiting for it makes the stderr tail complete.
    await exitsWithin(proc.exited, 2_000, deps.clock);
    if (this.#state === 'starting' && gen === this.#generation) {
      this.#fail('BATCH_START_FAILED', `${this.#killedBecause}; kill did not end it`, {
        killedBecause: this.#killedBecause,
        stderr: proc.stderrTail(),
      });
    }
    throw this.#startError();
  }

  /** One status first, so the `running` event already names the sequence; then the heartbeat. */
  async #becomeRunning(gen: number, proc: RunnerProcess): Promise<void> {
    const deps = this.#deps;
    const first = await deps.link.status(this.id, Math.min(deps.timings.heartbeatTimeoutMs, 500));
    if (gen !== this.#generation || (this.#state !== 'starting' && this.#state !== 'idle')) return;
    if (first.ok && first.value.pid === proc.pid) this.#takeStatus(first.value);
    this.#transition('running');
    void this.#watch(gen, proc);
  }

  // A method, so the compiler does not narrow `#state` across the awaits around it.
  #isRunning(): boolean {
    return this.#state === 'running';
  }

  /**
   * The runner's fresh status. A failed recovery it reports (runner.md, "Recovery") is the batch's
   * `lastError` (RECOVERY_FAILED) until an operator acknowledges it.
   */
  #takeStatus(status: RunnerStatus): void {
    this.#runner = status;
    const r = status.recovery;
    const waiting = r !== undefined && !r.passed && !r.acknowledged;
    if (waiting && this.#lastError?.code !== 'RECOVERY_FAILED') {
      this.#lastError = failureInfo(
        'RECOVERY_FAILED',
        r.message,
        { stderr: [], executions: r.executionId ? [r.executionId] : [] },
        this.#deps.clock.now(),
      );
      if (this.#state === 'running') this.#publishProcess();
    } else if (!waiting && this.#lastError?.code === 'RECOVERY_FAILED') {
      this.#lastError = undefined;
      // Acknowledged: the supervisor's own fact changed, so it says so (not per heartbeat: once).
      if (this.#state === 'running') this.#publishProcess();
    }
  }

  #startError(): SupervisorError {
    if (this.#state === 'error' && this.#lastError) {
      return new SupervisorError('START_FAILED', this.#lastError.message, {
        details: { batchId: this.id, ...(this.#lastError.details as object) },
      });
    }
    return new SupervisorError('START_CANCELLED', `the start of batch ${this.id} was cancelled by a stop`, {
      details: { batchId: this.id, status: this.#state },
    });
  }

  /** Waits on the batch's clock (the real one, or a test's). */
  #sleep(ms: number): Promise<void> {
    return sleep(ms, undefined, undefined, this.#deps.clock);
  }

  /** Heartbeat while running; a hung runner is killed, and its exit is reported as a crash. */
  #watch(gen: number, proc: RunnerProcess): Promise<void> {
    const after = this.#deps.beatsFrom?.();
    return heartbeat(this.id, proc.pid, this.#deps.link, this.#deps.timings, this.#deps.clock, {
      ...(after ? { after } : {}),
      live: () => gen === this.#generation && this.#state === 'running',
      onStatus: (status) => {
        this.#takeStatus(status);
        if (status.recycle) void this.#recycle(gen, status.recycle);
      },
      onHung: (reason) => {
        this.#killedBecause = reason;
        this.#deps.logger.warn({ batchId: this.id, pid: proc.pid, reason }, 'runner hung; killing it');
        proc.kill('SIGKILL');
      },
    });
  }

  /** The memory limit, from spawn to exit (a runner can outgrow it while it starts, too). */
  #watchMemory(gen: number, proc: RunnerProcess): void {
    const limitMb = this.#config.limits?.memory_mb;
    // /proc here knows nothing of a runner on another machine (docs/supervisor.md, "Batches on hosts").
    if (!limitMb || this.#config.host !== undefined) return;
    let exited = false;
    void proc.exited.then(() => {
      exited = true;
    });
    void watchMemory({
      pid: proc.pid,
      limitMb,
      everyMs: this.#deps.timings.memorySampleMs,
      probe: this.#deps.rss ?? procRss,
      sleep: (ms) => this.#sleep(ms),
      live: () => !exited && gen === this.#generation && this.#state !== 'stopping',
      onOver: (rss) => {
        this.#overLimit = true;
        this.#killedBecause = overLimitMessage(rss, limitMb);
        this.#deps.logger.warn(
          { batchId: this.id, pid: proc.pid, rss },
          `runner ${this.#killedBecause}; killing it`,
        );
        proc.kill('SIGKILL');
      },
    });
  }

  /**
   * A runner that abandoned a step still running (it ignored its abort or timeout) is not clean: it may
   * still hold memory or drive hardware. It already refuses new sequences; replace the process (shutdown
   * first, so hardware reaches its safe state) and say so in the batch status until someone restarts it.
   */
  async #recycle(gen: number, info: { steps: string[]; message: string }): Promise<void> {
    if (gen !== this.#generation || this.#state !== 'running' || this.#stopping || this.#closed) return;
    const message = `runner of ${this.id} replaced: ${info.message}`;
    this.#deps.logger.warn({ batchId: this.id, steps: info.steps }, message);
    this.#lastError = failureInfo(
      'RUNNER_RECYCLED',
      message,
      { steps: info.steps, stderr: [] },
      this.#deps.clock.now(),
    );
    this.#deps.events.publish({
      type: 'error',
      batch_id: this.id,
      data: { code: 'RUNNER_RECYCLED', message, details: { steps: info.steps } },
    });
    try {
      await this.stop({ reason: 'SHUTDOWN', message: `SHUTDOWN: ${message}` });
      await this.start('restart');
    } catch (err) {
      this.#deps.logger.error({ batchId: this.id, err: String(err) }, 'recycling the runner failed');
    }
  }

  #onExit(gen: number, proc: RunnerProcess, exit: ExitInfo): void {
    if (gen !== this.#generation) return;
    this.#exit = exit;
    this.#proc = undefined;
    if (this.#state !== 'stopping') this.#deps.runnerGone?.(this.id);
    const how = describeExit(exit, this.#killedBecause);
    const details: FailureDetails = {
      exitCode: exit.code,
      signal: exit.signal,
      stderr: proc.stderrTail(),
    };
    if (this.#killedBecause) details.killedBecause = this.#killedBecause;
    if (exit.reason) details.reason = exit.reason;
    if (exit.lost && (this.#state === 'running' || this.#state === 'starting')) {
      this.#fail(
        'BATCH_LOST',
        `runner of ${this.id} (pid ${proc.pid}) is gone without leaving an exit reason (killed, or out of memory)${lastLine(details.stderr)}`,
        details,
      );
    } else if (this.#state === 'starting') {
      this.#fail(
        'BATCH_START_FAILED',
        `runner of ${this.id} ended before registering on the bus (${how})${lastLine(details.stderr)}`,
        details,
      );
    } else if (this.#state === 'running' && this.#overLimit) {
      this.#fail('RESOURCE_LIMIT', `runner of ${this.id} stopped: ${how}`, details);
    } else if (this.#state === 'running') {
      this.#fail(
        'BATCH_CRASHED',
        `runner of ${this.id} crashed (${how})${lastLine(details.stderr)}`,
        details,
      );
    }
    // In `stopping` the stop asked for this exit and finishes the job itself.
  }

  /** An unasked end: status `error`, the `error` event, the running execution `failed`, then the policy. */
  #fail(code: FailureCode, message: string, details: FailureDetails): void {
    const deps = this.#deps;
    const now = deps.clock.now();
    try {
      // A read: never waits on another process's write, so the event below goes out at once.
      details.executions = deps.store.runningExecutions(this.id).map((e) => e.id);
    } catch (err) {
      deps.logger.error({ batchId: this.id, err }, 'could not read the running executions');
    }
    this.#lastError = failureInfo(code, message, details, now);
    this.#transition('error');
    deps.events.publish({
      type: 'error',
      batch_id: this.id,
      data: { code, message, details: { ...details } },
    });
    deps.logger.error({ batchId: this.id, code, ...details }, message);
    try {
      const ended = deps.store.markInterrupted(
        { batchId: this.id },
        'failed',
        { reason: code === 'RESOURCE_LIMIT' || code === 'BATCH_LOST' ? code : 'BATCH_CRASHED', message },
        new Date(now),
        // A run of a package that resumes is left to the next runner, which continues or ends it.
        { holdResumable: true },
      );
      for (const id of ended) this.#publishEnd(id);
    } catch (err) {
      deps.logger.error({ batchId: this.id, err }, 'could not mark the interrupted execution');
    }
    if (this.#origin === 'request' && code === 'BATCH_START_FAILED') return; // the caller hears of it
    this.#applyPolicy(now);
    // The policy's decision (the restart's attempt and delay, or giving up) belongs to the error shown.
    this.#publishProcess();
  }

  /**
   * The end of a run whose runner died, as the store now holds it: the supervisor ended it, so it says so
   * (`sequence_complete` with verdict ERROR and its unit), and no screen keeps the previous unit's verdict.
   */
  #publishEnd(executionId: string): void {
    const r = this.#deps.store.getResult(executionId);
    if (!r || r.status === 'running') return;
    const status = r.status;
    this.#deps.events.publish({
      type: 'sequence_complete',
      batch_id: this.id,
      data: {
        executionId,
        overallPass: false,
        duration: r.duration ?? 0,
        status,
        statusReason: r.statusReason,
        // What ended it, as on the run and on the step it cut off (screens mark that step Interrupted).
        ...(r.statusReason && r.error ? { error: { code: r.statusReason, message: r.error } } : {}),
        steps: r.steps,
        verdict: verdictOf({ ...r, status }),
        dut: unitOf(r),
      },
    });
  }

  #applyPolicy(now: number): void {
    if (this.#closed) return;
    const details = this.#lastError?.details as FailureDetails | undefined;
    const decision = this.#restarter.afterFailure(now);
    if (decision.restart) {
      if (details) details.restart = { attempt: decision.attempt, delayMs: decision.delayMs };
      this.#deps.logger.warn({ batchId: this.id, ...decision }, 'restarting batch after backoff');
      return;
    }
    if (details) details.restart = { gaveUp: decision.reason };
    if (this.#config.restart.policy === 'never') return;
    const message = `batch ${this.id} keeps failing: ${decision.reason}; left in error`;
    this.#deps.events.publish({
      type: 'error',
      batch_id: this.id,
      data: { code: 'BATCH_RESTART_GAVE_UP', message },
    });
    this.#deps.logger.error({ batchId: this.id }, message);
  }

  async #stopProcess(cause: StopCause): Promise<void> {
    const { link, timings, store, logger, clock } = this.#deps;
    const proc = this.#proc;
    this.#transition('stopping');
    if (proc && !this.#exit) {
      const endedBy = await endRunner(this.id, proc, link, timings, logger, clock, cause.reason);
      if (endedBy === 'alive') {
        this.#lastError = failureInfo(
          'BATCH_STOP_FAILED',
          `runner of ${this.id} (pid ${proc.pid}) did not exit even after SIGKILL`,
          { stderr: proc.stderrTail() },
          clock.now(),
        );
        this.#transition('error');
        return;
      }
      logger.info({ batchId: this.id, pid: proc.pid, endedBy }, 'runner stopped');
    }
    this.#proc = undefined;
    this.#deps.runnerGone?.(this.id);
    try {
      // The runner normally ends its execution itself; this covers one that had to be killed.
      store.markInterrupted({ batchId: this.id }, 'stopped', cause, new Date(clock.now()));
    } catch (err) {
      logger.error({ batchId: this.id, err }, 'could not mark the stopped execution');
    }
    this.#transition('idle');
  }
}

/** Whether a `health` answer comes from `proc` itself: its pid and, for an adopted runner, its start time. */
function answers(health: LinkResult<Health>, proc: RunnerProcess): boolean {
  if (!health.ok || health.value.pid !== proc.pid) return false;
  if (!proc.adopted) return true;
  return health.value.startTime !== undefined && health.value.startTime === proc.identity?.startTime;
}
