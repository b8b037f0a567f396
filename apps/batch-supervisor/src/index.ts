// @station/batch-supervisor: the batch lifecycle as a library (the process is main.ts).
export { BatchController, type StartOrigin, type StartReply } from './batch.ts';
export { busRunnerLink, publisherSink } from './bus-link.ts';
export { SupervisorError, type SupervisorErrorCode } from './errors.ts';
export { type EndedBy, endRunner } from './escalate.ts';
export type { FailureCode, FailureDetails } from './failure.ts';
export { Gate } from './gate.ts';
export { supervisorHandlers } from './handlers.ts';
export { backoffDelay, type RestartDecision, Restarter, RestartHistory } from './restart-policy.ts';
export { type SupervisorService, type SupervisorServiceOptions, startSupervisor } from './service.ts';
export { canTransition, hasProcess, transitions } from './states.ts';
export { batchDetail, batchStatus, processEvent } from './status.ts';
export { type Recovery, Supervisor, type SupervisorOptions } from './supervisor.ts';
export * from './types.ts';
