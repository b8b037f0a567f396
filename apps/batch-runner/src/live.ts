// What the runner knows about the run in progress and about itself, and the `status` answer built from it.
import type { OperatorPrompt, ResumeEntry, RunnerStatus, RunUnit, StepResult } from '@station/model';
import {
  type HardwareSet,
  type LoadedPackage,
  listCommands,
  type Problem,
  progressOf,
} from '@station/sequence';
import type { AbortCause } from '@station/sequence/recorder';

/** The run in progress. */
export interface LiveExecution {
  executionId: string;
  startedAt: string;
  total: number;
  currentStep?: string;
  stepIndex?: number;
  /** When the current step started (ISO). */
  stepStartedAt?: string;
  finished: number;
  steps: StepResult[];
  abort: AbortController;
  /** Why it was aborted from outside, once it was. */
  cause?: AbortCause;
  done: Promise<void>;
  /** The unit under test, with the serial a step may have read. */
  dut: RunUnit;
  /** A run resumed after a crash (`resume:`): each interruption and resume, oldest first. */
  resumes?: ResumeEntry[];
}

/** The abort causes of the ways a runner is told to stop. */
export const ABORT_CAUSES = {
  ABORTED: { reason: 'ABORTED', message: 'ABORTED: stopped by request' },
  SHUTDOWN: { reason: 'SHUTDOWN', message: 'SHUTDOWN: the station is shutting down' },
  INTERRUPTED: { reason: 'INTERRUPTED', message: 'INTERRUPTED: supervisor lost' },
} as const satisfies Record<string, AbortCause>;

/** A runner that abandoned a step still running: it must be recycled before it runs anything again. */
export interface NotClean {
  steps: string[];
  message: string;
}

/** Everything `status` reports. */
export interface RunnerView {
  batchId: string;
  pkg: LoadedPackage | undefined;
  problems: Problem[];
  hardware: HardwareSet | undefined;
  hardwareError: string | undefined;
  execution: LiveExecution | undefined;
  /** The operator prompt waiting for an answer, if any. */
  prompt: OperatorPrompt | undefined;
  manualBusy: boolean;
  notClean: NotClean | undefined;
  recovery?: RecoveryState;
}

/** The recovery this runner ran at start (runner.md, "Recovery"). */
export interface RecoveryState {
  executionId: string;
  passed: boolean;
  message: string;
  acknowledged?: boolean;
}

/** The runner's `status` answer. */
export function runnerStatus(v: RunnerView): RunnerStatus {
  const { pkg, execution: ex } = v;
  return {
    batchId: v.batchId,
    pid: process.pid,
    state: !pkg || (!v.hardware && v.hardwareError) ? 'error' : ex ? 'running' : 'ready',
    ...(pkg
      ? {
          package: {
            name: pkg.manifest.name,
            version: pkg.manifest.version,
            hash: pkg.hash,
            description: pkg.manifest.description,
          },
        }
      : {}),
    ...(v.problems.length > 0 || v.hardwareError
      ? {
          problems: [
            ...v.problems,
            ...(v.hardwareError ? [{ code: 'HARDWARE_ERROR', message: v.hardwareError }] : []),
          ],
        }
      : {}),
    ...(ex
      ? {
          execution: {
            executionId: ex.executionId,
            status: 'running',
            startedAt: ex.startedAt,
            ...(ex.currentStep !== undefined ? { currentStep: ex.currentStep } : {}),
            ...(ex.stepIndex !== undefined ? { stepIndex: ex.stepIndex } : {}),
            ...(ex.stepStartedAt !== undefined ? { stepStartedAt: ex.stepStartedAt } : {}),
            totalSteps: ex.total,
            progress: progressOf(ex.finished, ex.total),
            steps: ex.steps,
            ...(v.prompt ? { prompt: v.prompt } : {}),
            dut: ex.dut,
            ...(ex.resumes ? { resumes: ex.resumes } : {}),
          },
        }
      : {}),
    manualCommands: v.hardware
      ? listCommands(v.hardware.drivers).map((c) => ({
          hardware: c.hardware,
          command: c.command,
          description: c.description,
          params: c.params,
        }))
      : [],
    manualBusy: v.manualBusy,
    ...(v.notClean ? { recycle: v.notClean } : {}),
    ...(v.recovery ? { recovery: { ...v.recovery } } : {}),
  };
}
