// What the supervisor reports about a batch: its own lifecycle status merged with what the runner last said
// about itself (sequence, current step, progress), as BatchStatus, BatchDetail and `batch_status` events.

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

/** SPEC §4 BatchStatus of a batch at `now` (epoch ms). */
export function batchStatus(view: BatchView, now: number): BatchStatus {
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
    const started = Date.parse(exec.startedAt);
    // Elapsed is worked out here rather than copied, so it keeps moving between the runner's answers.
    if (runner.state === 'running' && Number.isFinite(started)) {
      status.elapsed = Math.max(0, Math.round(now - started) / 1000);
    }
  }
  if (view.lastError) status.lastError = view.lastError;
  return status;
}

/** `batch.get`: the status plus the batch's configuration and the runner's live execution. */
export function batchDetail(view: BatchView, now: number): BatchDetail {
  const runner = view.state === 'running' ? view.runner : undefined;
  const detail: BatchDetail = {
    ...batchStatus(view, now),
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

/** The `batch_status` event of a status (its id travels as `batch_id`, so it is left out of `data`). */
export function statusEvent(status: BatchStatus): EventOf<'batch_status'> {
  const { id, name: _name, ...data } = status;
  return { type: 'batch_status', batch_id: id, data };
}
