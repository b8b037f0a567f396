// A crashed slot comes back safe. A runner that was killed (SIGKILL, the memory limit, the OOM killer, a
// process.exit in sequence code) never reached its hardware's safe state: a supply may still be on. So
// the next runner of the batch, before it takes any run, finds the execution that was cut off and runs
// recovery on it: every driver's safeState(), then the sequence's cleanup steps (the engine with the run
// already aborted runs exactly those). What ran and how it went is recorded on that execution. A failed
// recovery keeps the batch refusing runs until an operator acknowledges it.
import type { RecoveryRecord, Store } from '@station/db';
import { errorMessageOf } from '@station/model';
import {
  type HardwareSet,
  type LoadedPackage,
  type Params,
  runSequence,
  SequenceError,
} from '@station/sequence';

export interface RecoveryOptions {
  store: Pick<Store, 'executionToRecover' | 'recordRecovery'>;
  batchId: string;
  pkg: LoadedPackage;
  /** Undefined when the hardware could not be connected: the recovery fails with that reason. */
  hardware: HardwareSet | undefined;
  hardwareError?: string;
  graceMs?: number;
  now: () => number;
}

/** The outcome of one recovery, with the execution it was run for. */
export interface Recovery {
  executionId: string;
  record: RecoveryRecord;
  /** One line for the operator: what failed, or that all passed. */
  message: string;
}

/** Runs recovery when the batch's last execution was cut off and is not yet recovered; else undefined. */
export async function recoverIfNeeded(opts: RecoveryOptions): Promise<Recovery | undefined> {
  const pending = opts.store.executionToRecover(opts.batchId);
  if (!pending) return undefined;
  const startedAt = new Date(opts.now()).toISOString();
  const record: RecoveryRecord = {
    startedAt,
    completedAt: startedAt,
    passed: false,
    safeState: [],
    steps: [],
  };
  const failures: string[] = [];
  const hw = opts.hardware;
  if (!hw) {
    failures.push(`hardware not connected: ${opts.hardwareError ?? 'unknown error'}`);
  } else {
    const problems = await hw.safeState();
    for (const name of Object.keys(hw.drivers)) {
      const problem = problems.find((p) => p.hardware === name);
      record.safeState.push(
        problem ? { hardware: name, ok: false, error: problem.message } : { hardware: name, ok: true },
      );
      if (problem) failures.push(`safeState() of ${name}: ${problem.message}`);
    }
    // Already aborted: the engine skips every step but the cleanup ones, which it runs in order.
    const abort = new AbortController();
    abort.abort(new SequenceError('ABORTED', 'recovery runs the cleanup steps only'));
    const outcome = await runSequence({
      pkg: opts.pkg,
      params: pending.parameters as Params,
      drivers: hw.drivers,
      driverNames: hw.driverNames,
      executionId: pending.id,
      batchId: opts.batchId,
      signal: abort.signal,
      graceMs: opts.graceMs,
    });
    const cleanup = new Set(opts.pkg.manifest.steps.filter((s) => s.cleanup).map((s) => s.name));
    for (const step of outcome.steps.filter((s) => cleanup.has(s.name))) {
      const ok = step.status === 'completed' && step.pass;
      record.steps.push({
        name: step.name,
        status: step.status,
        pass: step.pass,
        ...(step.error ? { error: errorMessageOf(step.error) } : {}),
      });
      if (!ok)
        failures.push(
          `cleanup step ${step.name} ${step.status}${step.error ? `: ${errorMessageOf(step.error)}` : ''}`,
        );
    }
  }
  record.completedAt = new Date(opts.now()).toISOString();
  record.passed = failures.length === 0;
  opts.store.recordRecovery(pending.id, record);
  const message = record.passed
    ? `recovered after ${pending.id} was cut off (${pending.statusReason}): safe state and ${record.steps.length} cleanup step(s) passed`
    : `recovery after ${pending.id} was cut off (${pending.statusReason}) failed: ${failures.join('; ')}`;
  return { executionId: pending.id, record, message };
}
