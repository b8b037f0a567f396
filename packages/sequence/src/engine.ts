// runSequence: executes a loaded package's steps in order against connected drivers, reporting each
// step to a sink before starting the next. Stop-on-failure; cleanup steps always run; safeState() on
// every driver when the run ends failed or stopped.
import type { RunUnit } from '@station/model';
import type { Clock } from '@station/time';
import { serialProblem } from './dut.ts';
import { messageOf, SequenceError } from './errors.ts';
import { safeStateAll } from './hardware.ts';
import type { LoadedPackage } from './loader.ts';
import type { PromptDesk } from './prompt.ts';
import {
  type ErrorData,
  errorText,
  type LogLevel,
  type SequenceOutcome,
  type SequenceSink,
  type SequenceStatus,
  type StepError,
  type StepResult,
  type StepStart,
} from './results.ts';
import type { Driver, Params } from './sdk.ts';
import { runStep } from './step-runner.ts';

/** Milliseconds since the epoch; injectable so tests get exact timestamps and durations. */
export type { Clock };

/** Options of `runSequence`. */
export interface RunOptions {
  pkg: LoadedPackage;
  /** Resolved parameters (see `resolveParameters`). */
  params: Params;
  /**
   * Connected drivers by hardware name (see `openHardware`). The engine neither connects nor disconnects
   * them, so the runner can keep one connection for many runs and for manual mode in between.
   */
  drivers: Record<string, Driver>;
  /** Driver name per hardware name, passed to steps as `Instrument.driverName`. */
  driverNames?: Record<string, string>;
  executionId: string;
  batchId: string;
  /** Aborts the run: the running step's signal fires, later non-cleanup steps are skipped. */
  signal?: AbortSignal;
  /** How long a step that was aborted or timed out may take to wind down before it is abandoned. */
  graceMs?: number;
  sink?: SequenceSink;
  clock?: Clock;
  /** Keep running later steps after a failure (default false: stop on the first failure). */
  continueOnFailure?: boolean;
  /** Where steps' prompts wait for the operator's answer; without it `ctx.prompt` fails the step. */
  prompts?: PromptDesk;
  /** The unit under test as the start named it (checked with `checkStartDut`); a step may set its serial. */
  dut?: {
    serialNumber?: string | null;
    partNumber?: string | null;
    revision?: string | null;
    lot?: string | null;
    /** A resumed run's unit keeps the step that read its serial. */
    serialSourceStep?: string | null;
  };
  /**
   * Continues a run that was cut off: steps before `fromIndex` are not run again, their `steps` (as
   * recorded) are carried into the outcome and count toward its verdict (a failure among them stops the
   * run as it would have, cleanup steps still run). `startedAt` is the original start.
   */
  resume?: { fromIndex: number; steps: StepResult[]; startedAt: string };
}

/** Default wind-down time for an aborted or timed-out step. */
export const DEFAULT_GRACE_MS = 2000;

/**
 * Runs the sequence and resolves with its outcome; failed steps and aborts are outcomes, not rejections.
 * Rejects only with SINK_FAILED when the sink throws (after putting the hardware in its safe state).
 */
export async function runSequence(opts: RunOptions): Promise<SequenceOutcome> {
  const { pkg, sink = {}, clock = Date } = opts;
  const signal = opts.signal ?? new AbortController().signal;
  const iso = () => new Date(clock.now()).toISOString();
  const specs = pkg.manifest.steps;
  const total = specs.length;
  const driverNames: Record<string, string> = { ...opts.driverNames };
  for (const [name, hw] of Object.entries(pkg.manifest.hardware)) driverNames[name] ??= hw.driver;

  // Every sink call goes through one chain, so logs a step emits synchronously are delivered in order and
  // before that step's onStepEnd.
  let chain: Promise<void> = Promise.resolve();
  const emit = (call: () => Promise<void> | void): Promise<void> => {
    chain = chain.then(call);
    return chain;
  };
  const log = (level: LogLevel, message: string) => {
    const data = { level, message, timestamp: iso() };
    void emit(() => sink.onLog?.(data)).catch(() => undefined);
  };

  const desk = opts.prompts;
  const ask = desk
    ? (request: Parameters<PromptDesk['ask']>[0], timeoutMs: number, stepSignal: AbortSignal) =>
        desk.ask(request, {
          timeoutMs,
          signal: stepSignal,
          listener: {
            opened: (p) => void emit(() => sink.onPrompt?.(p)).catch(() => undefined),
            closed: (c, p) => void emit(() => sink.onPromptClosed?.(c, p)).catch(() => undefined),
          },
        })
    : undefined;
  // The run's unit: what the start named, then whatever serial a step reads from the unit itself.
  const unit: RunUnit = {
    serialNumber: opts.dut?.serialNumber ?? null,
    partNumber: opts.dut?.partNumber ?? null,
    revision: opts.dut?.revision ?? null,
    lot: opts.dut?.lot ?? null,
    serialSourceStep: opts.dut?.serialSourceStep ?? null,
  };
  const setSerial = (serialNumber: string, step: string) => {
    const problem = serialProblem(pkg.manifest.dut, serialNumber);
    if (problem) throw new SequenceError('BAD_SERIAL', `ctx.dut.setSerial: ${problem}`);
    unit.serialNumber = serialNumber;
    unit.serialSourceStep = step;
    const data = { serialNumber, step };
    void emit(() => sink.onSerial?.(data)).catch(() => undefined);
  };

  const resume = opts.resume;
  if (
    resume &&
    (resume.fromIndex < 0 || resume.fromIndex > total || resume.steps.length !== resume.fromIndex)
  ) {
    throw new SequenceError(
      'BAD_REQUEST',
      `resume: fromIndex ${resume.fromIndex} needs the results of the ${resume.fromIndex} steps before it (got ${resume.steps.length}) of ${total}`,
    );
  }
  const startMs = resume ? Date.parse(resume.startedAt) : clock.now();
  const startedAt = new Date(startMs).toISOString();
  const results: StepResult[] = resume ? [...resume.steps] : [];
  const abandoned: string[] = [];
  let stopping: SequenceStatus | undefined;
  let firstError: (StepError & { step?: string }) | undefined;
  // The carried steps decide as they did before the cut: a failure among them stops the run.
  for (const r of results) {
    if (r.status !== 'failed') continue;
    firstError ??= { code: 'STEP_FAILED', message: r.error ?? `step ${r.name} failed`, step: r.name };
    if (!opts.continueOnFailure) stopping ??= 'failed';
  }

  // The step the engine starts right after `index` ends, when nothing comes between (no skipped step, no
  // abort): the sink learns it with onStepEnd, so a recorder can mark it running in the same commit.
  const startsAfter = (index: number): StepStart | undefined => {
    const following = specs[index + 1];
    if (!following || ((stopping || signal.aborted) && !following.cleanup)) return undefined;
    return { step: following.name, index: index + 1, total };
  };

  try {
    await emit(() =>
      sink.onSequenceStart?.({
        executionId: opts.executionId,
        batchId: opts.batchId,
        sequenceName: pkg.manifest.name,
        sequenceVersion: pkg.manifest.version,
        packageHash: pkg.hash,
        parameters: opts.params,
        startedAt,
        steps: specs.map((s, order) => ({ name: s.name, order, cleanup: s.cleanup })),
        dut: { ...unit },
      }),
    );
    for (const [index, spec] of specs.entries()) {
      if (resume && index < resume.fromIndex) continue;
      if (!stopping && signal.aborted) {
        stopping = 'stopped';
        firstError ??= { code: 'ABORTED', message: 'sequence aborted' };
      }
      if (stopping && !spec.cleanup) {
        const skipped: StepResult = {
          name: spec.name,
          order: index,
          status: 'skipped',
          pass: false,
          startedAt: null,
          completedAt: null,
          duration: null,
          attempts: 0,
          result: null,
          error: null,
          measurements: [],
        };
        results.push(skipped);
        const next = startsAfter(index);
        await emit(() => sink.onStepEnd?.(skipped, next));
        continue;
      }
      const fn = pkg.steps[spec.name];
      await emit(() => sink.onStepStart?.({ step: spec.name, index, total }));
      const t0 = clock.now();
      const run = fn
        ? await runStep(spec, fn, {
            params: opts.params,
            drivers: opts.drivers,
            driverNames,
            executionId: opts.executionId,
            batchId: opts.batchId,
            signal,
            graceMs: opts.graceMs ?? DEFAULT_GRACE_MS,
            log,
            pkgDir: pkg.dir,
            pkgName: pkg.manifest.name,
            ...(ask ? { ask } : {}),
            unit: () => unit,
            setSerial,
          })
        : // A loaded package always has every step; this guards hand-built packages in tests and tools.
          {
            pass: false,
            attempts: 0,
            measurements: [],
            error: { code: 'INVALID_PACKAGE' as const, message: `no function for step ${spec.name}` },
          };
      const t1 = clock.now();
      const result: StepResult = {
        name: spec.name,
        order: index,
        status: run.pass ? 'completed' : 'failed',
        pass: run.pass,
        startedAt: new Date(t0).toISOString(),
        completedAt: new Date(t1).toISOString(),
        duration: (t1 - t0) / 1000,
        attempts: run.attempts,
        result: run.value ?? null,
        error: run.error ? errorText(run.error) : null,
        measurements: run.measurements,
      };
      results.push(result);
      if (run.abandoned) abandoned.push(spec.name);
      if (run.error) {
        const error: ErrorData = { code: run.error.code, message: run.error.message, step: spec.name };
        await emit(() => sink.onError?.(error));
        firstError ??= { ...run.error, step: spec.name };
        if (!stopping && run.error.code === 'ABORTED') stopping = 'stopped';
        else if (!stopping && !opts.continueOnFailure) stopping = 'failed';
      }
      const next = startsAfter(index);
      await emit(() => sink.onStepEnd?.(result, next));
    }

    const failed = results.some((r) => r.status === 'failed');
    const status: SequenceStatus = stopping === 'stopped' ? 'stopped' : failed ? 'failed' : 'completed';
    if (status !== 'completed') {
      for (const f of await safeStateAll(opts.drivers))
        log('warn', `safeState of ${f.hardware} failed: ${f.message}`);
    }
    await chain;
    const endMs = clock.now();
    const outcome: SequenceOutcome = {
      executionId: opts.executionId,
      batchId: opts.batchId,
      sequenceName: pkg.manifest.name,
      sequenceVersion: pkg.manifest.version,
      packageHash: pkg.hash,
      status,
      overallPass: status === 'completed',
      parameters: opts.params,
      dut: { ...unit },
      steps: results,
      startedAt,
      completedAt: new Date(endMs).toISOString(),
      duration: (endMs - startMs) / 1000,
      ...(firstError && status !== 'completed' ? { error: firstError } : {}),
      ...(abandoned.length > 0 ? { abandoned } : {}),
    };
    await emit(() => sink.onSequenceEnd?.(outcome));
    return outcome;
  } catch (err) {
    // The runner could not record progress: stop touching the equipment rather than test unrecorded.
    await safeStateAll(opts.drivers);
    throw new SequenceError('SINK_FAILED', `could not report sequence progress: ${messageOf(err)}`, {
      cause: err,
    });
  }
}
