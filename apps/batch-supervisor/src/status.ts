// What the supervisor reports about a batch. Its own facts (the process's lifecycle) go out as
// `batch_process` events; `batch.list` and `batch.get` answer them together with what the runner last said
// about itself at a heartbeat (sequence, current step, progress): a snapshot for a reader that starts or
// reconnects, never republished as events. Elapsed time is not worked out here: it is the reader's.

import type { BatchConfig } from '@station/config';
import type { BatchDetail, BatchState, BatchStatus, ErrorInfo, EventOf, RunnerStatus } from '@station/model';

/** Everything the supervisor knows about one batch at a moment. */
export interface BatchView {
  config: BatchConfig;
  state: BatchState;
  pid?: number;
  /** The runner's last answer to `status`, while it runs. */
  runner?: RunnerStatus;
  lastError?: ErrorInfo;
  /** Restarts done by the restart policy since the supervisor started. */
  restarts: number;
}

/** SPEC §4 BatchStatus of a batch (without `elapsed`: whoever shows it counts from `startedAt`). */
export function batchStatus(view: BatchView): BatchStatus {
  const status: BatchStatus = { id: view.config.id, name: view.config.name, status: view.state };
  if (view.pid !== undefined) status.pid = view.pid;
  const runner = view.state === 'running' ? view.runner : undefined;
  if (runner?.package) {
    status.sequenceName = runner.package.name;
    status.sequenceVersion = runner.package.version;
  }
  if (runner) status.sequenceRunning = runner.state === 'running';
  const exec = runner?.execution;
  if (exec) {
    status.executionId = exec.executionId;
    status.startedAt = exec.startedAt;
    status.totalSteps = exec.totalSteps;
    status.progress = Math.min(1, Math.max(0, exec.progress));
    if (exec.currentStep !== undefined) status.currentStep = exec.currentStep;
    if (exec.stepIndex !== undefined) status.stepIndex = exec.stepIndex;
    if (exec.resumes) status.resumes = exec.resumes;
  }
  if (view.lastError) status.lastError = view.lastError;
  return status;
}

/** `batch.get`: the status plus the batch's configuration and the runner's live execution. */
export function batchDetail(view: BatchView): BatchDetail {
  const runner = view.state === 'running' ? view.runner : undefined;
  const detail: BatchDetail = {
    ...batchStatus(view),
    sequencePackage: view.config.sequence_package,
    autoStart: view.config.auto_start,
    hardware: view.config.hardware,
    parameters: view.config.parameters,
    manualCommands: runner?.manualCommands ?? [],
    restarts: view.restarts,
  };
  if (runner?.package) detail.package = runner.package;
  if (runner?.execution) detail.execution = runner.execution;
  return detail;
}

/** The `batch_process` event of a batch: the supervisor's own facts only, under revision `rev`. */
export function processEvent(view: BatchView, rev: number): EventOf<'batch_process'> {
  const data: EventOf<'batch_process'>['data'] = { status: view.state, rev, restarts: view.restarts };
  if (view.pid !== undefined) data.pid = view.pid;
  if (view.lastError) data.lastError = view.lastError;
  return { type: 'batch_process', batch_id: view.config.id, data };
}
