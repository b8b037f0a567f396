// Runs one step: each attempt with its own AbortSignal (fired by the sequence abort or the step timeout),
// a bounded wait for a step that ignores its signal, measurement judging, and retries.
import type { JsonValue, RunUnit } from '@station/model';
import { instrument } from './commands.ts';
import { isSequenceError, messageOf, SequenceError } from './errors.ts';
import { judgeMeasurements, type RecordedValue } from './limits.ts';
import type { StepSpec } from './manifest-schema.ts';
import type { LogLevel, Measurement, StepError } from './results.ts';
import type { Driver, Instrument, Params, StepContext, StepFunction } from './sdk.ts';
import { sleep } from './sleep.ts';
import { type Asker, createStepPrompt } from './step-prompt.ts';

/** What a step run needs from the sequence around it. */
export interface StepEnv {
  params: Params;
  drivers: Record<string, Driver>;
  driverNames: Record<string, string>;
  executionId: string;
  batchId: string;
  /** The sequence's abort signal; cleanup steps are deliberately not bound to it. */
  signal: AbortSignal;
  graceMs: number;
  log(level: LogLevel, message: string): void;
  /** The package's folder and name, for prompt images. */
  pkgDir: string;
  pkgName: string;
  /** Asks the operator (`ctx.prompt`); undefined when the run has nobody to ask. */
  ask?: Asker;
  /** The run's unit, as it stands now. */
  unit(): RunUnit;
  /** Sets the run's serial number from a step; throws BAD_SERIAL when the manifest refuses it. */
  setSerial(serialNumber: string, step: string): void;
}

/** The outcome of a step's last attempt. */
export interface StepRun {
  pass: boolean;
  attempts: number;
  value?: JsonValue;
  measurements: Measurement[];
  error?: StepError;
  /** The step function had not returned when the grace after its abort or timeout ran out. */
  abandoned?: true;
}

function toStepError(err: unknown): StepError {
  if (isSequenceError(err)) return { code: err.code, message: err.message };
  return { code: 'STEP_FAILED', message: messageOf(err) };
}

// Step results are stored as JSON; a value that cannot round-trip is kept as text rather than lost.
function jsonable(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  try {
    // JSON.parse of JSON text gives a JSON value by definition.
    const parsed: JsonValue = JSON.parse(JSON.stringify(value));
    return parsed;
  } catch {
    return String(value);
  }
}

/** A one-shot timer that can be paused: the step's timeout does not run while the operator is asked. */
function pausableTimer(ms: number, fire: () => void) {
  let remaining = ms;
  let since = performance.now();
  let paused = 0;
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(fire, ms);
  return {
    pause() {
      if (paused++ > 0 || timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      remaining -= performance.now() - since;
    },
    resume() {
      if (paused === 0 || --paused > 0) return;
      since = performance.now();
      timer = setTimeout(fire, Math.max(0, remaining));
    },
    clear() {
      clearTimeout(timer);
      timer = undefined;
      paused = Number.POSITIVE_INFINITY;
    },
  };
}

type Settled = { kind: 'returned'; value: unknown } | { kind: 'threw'; error: unknown } | { kind: 'aborted' };

async function attempt(spec: StepSpec, fn: StepFunction, env: StepEnv, n: number): Promise<StepRun> {
  const ctrl = new AbortController();
  const bindOuter = !spec.cleanup;
  const onOuter = () => ctrl.abort(new SequenceError('ABORTED', `step ${spec.name} aborted`));
  if (bindOuter) {
    if (env.signal.aborted) onOuter();
    else env.signal.addEventListener('abort', onOuter, { once: true });
  }
  const timer = pausableTimer(spec.timeoutMs, () =>
    ctrl.abort(new SequenceError('STEP_TIMEOUT', `step ${spec.name} timed out after ${spec.timeoutMs} ms`)),
  );
  // A prompt the step left unanswered when it ended is cancelled with it. Made when the step first asks:
  // most steps never do, and the controller, the combined signal and the error that ends it cost a
  // fast step a fifth of its engine time (issue 18).
  let promptEnd: AbortController | undefined;
  let promptSignal: AbortSignal | undefined;
  const promptSignalOf = () => {
    if (promptSignal) return promptSignal;
    promptEnd = new AbortController();
    promptSignal = AbortSignal.any([ctrl.signal, promptEnd.signal]);
    return promptSignal;
  };
  const recorded: RecordedValue[] = [];
  // Once the attempt is over, a step still running in the background must not change its result.
  let open = true;
  const hardware: Record<string, Instrument> = {};
  for (const [name, driver] of Object.entries(env.drivers)) {
    hardware[name] = instrument(name, env.driverNames[name] ?? name, driver, ctrl.signal);
  }
  const say = (level: LogLevel) => (message: string) => {
    if (open) env.log(level, String(message));
  };
  const ctx: StepContext = {
    params: { ...env.params },
    hardware,
    measure(name, value) {
      if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') {
        throw new TypeError(`measure(${JSON.stringify(name)}): value must be a number, string or boolean`);
      }
      if (!open) return;
      const at = recorded.findIndex((r) => r.name === name);
      const entry = { name, value };
      // Measuring the same name again replaces the earlier value: the last reading is the one judged.
      if (at >= 0) recorded[at] = entry;
      else recorded.push(entry);
    },
    log: { info: say('info'), warn: say('warn'), error: say('error') },
    signal: ctrl.signal,
    sleep: (ms) => sleep(ms, ctrl.signal),
    prompt: createStepPrompt({
      executionId: env.executionId,
      step: spec.name,
      pkgDir: env.pkgDir,
      pkgName: env.pkgName,
      stepTimeoutMs: spec.timeoutMs,
      signal: promptSignalOf,
      ask: env.ask,
      pause: timer.pause,
      resume: timer.resume,
    }),
    executionId: env.executionId,
    batchId: env.batchId,
    step: spec.name,
    attempt: n,
    dut: {
      get serialNumber() {
        return env.unit().serialNumber;
      },
      get partNumber() {
        return env.unit().partNumber;
      },
      get revision() {
        return env.unit().revision;
      },
      get lot() {
        return env.unit().lot;
      },
      setSerial(serialNumber) {
        if (typeof serialNumber !== 'string') {
          throw new TypeError('setSerial(serialNumber): the serial number must be a string');
        }
        if (open) env.setSerial(serialNumber, spec.name);
      },
    },
  };

  let ended = false;
  const running = Promise.resolve()
    .then(() => fn(ctx))
    .then(
      (value): Settled => ({ kind: 'returned', value }),
      (error: unknown): Settled => ({ kind: 'threw', error }),
    )
    .then((s) => {
      ended = true;
      return s;
    });
  const { promise: abortedP, resolve: onAborted } = Promise.withResolvers<Settled>();
  const markAborted = () => onAborted({ kind: 'aborted' });
  if (ctrl.signal.aborted) markAborted();
  else ctrl.signal.addEventListener('abort', markAborted, { once: true });
  let settled = await Promise.race([running, abortedP]);
  if (settled.kind === 'aborted') {
    // Give a step that honours its signal up to graceMs to wind down; one that ignores it is abandoned.
    const graceCtrl = new AbortController();
    await Promise.race([running, sleep(env.graceMs, graceCtrl.signal).catch(() => undefined)]);
    graceCtrl.abort();
  }
  open = false;
  timer.clear();
  promptEnd?.abort(new SequenceError('ABORTED', `step ${spec.name} ended before its prompt was answered`));
  env.signal.removeEventListener('abort', onOuter);
  ctrl.signal.removeEventListener('abort', markAborted);

  if (ctrl.signal.aborted) settled = { kind: 'aborted' };
  const complete = settled.kind === 'returned';
  const { results, failures } = judgeMeasurements(spec.measurements, recorded, complete);
  const value = settled.kind === 'returned' ? jsonable(settled.value) : undefined;
  const base = {
    attempts: n,
    measurements: results,
    ...(value === undefined ? {} : { value }),
    ...(ended ? {} : { abandoned: true as const }),
  };
  if (settled.kind === 'aborted') return { ...base, pass: false, error: toStepError(ctrl.signal.reason) };
  if (settled.kind === 'threw') return { ...base, pass: false, error: toStepError(settled.error) };
  if (failures.length > 0) {
    return { ...base, pass: false, error: { code: 'STEP_FAILED', message: failures.join('; ') } };
  }
  return { ...base, pass: true };
}

/**
 * Runs a step with its retries; an abort is never retried. The result is `abandoned` when any attempt was
 * (an attempt that timed out and was left running taints the process even if a retry passed).
 */
export async function runStep(spec: StepSpec, fn: StepFunction, env: StepEnv): Promise<StepRun> {
  let abandoned = false;
  const tries = async (n: number) => {
    const r = await attempt(spec, fn, env, n);
    abandoned ||= r.abandoned === true;
    return r;
  };
  const result = (r: StepRun): StepRun => (abandoned ? { ...r, abandoned: true } : r);
  let run = await tries(1);
  for (let n = 2; n <= spec.retries + 1 && !run.pass && run.error?.code !== 'ABORTED'; n++) {
    env.log('warn', `step ${spec.name} failed (${run.error?.message}); retry ${n - 1} of ${spec.retries}`);
    if (spec.retryDelayMs > 0) {
      try {
        await sleep(spec.retryDelayMs, spec.cleanup ? undefined : env.signal);
      } catch {
        return result({
          ...run,
          error: { code: 'ABORTED', message: `step ${spec.name} aborted before retry ${n - 1}` },
        });
      }
    }
    if (!spec.cleanup && env.signal.aborted) {
      return result({
        ...run,
        error: { code: 'ABORTED', message: `step ${spec.name} aborted before retry ${n - 1}` },
      });
    }
    run = await tries(n);
  }
  return result(run);
}
