// Every named query in one table, and the binding that turns `query(store, ...args)` into the
// `store.query(...args)` methods of an open Store.
import { describeError, StoreError, sqliteCode } from '../errors.ts';
import type { StoreHandle } from '../handle.ts';
import {
  createExecution,
  finishExecution,
  getExecution,
  runningExecutions,
  setExecutionSerial,
} from './executions.ts';
import { markInterrupted } from './interrupt.ts';
import { batchVersionRule, sequencePin, setSequencePin } from './pins.ts';
import { closePrompt, openPrompt, promptsByStep } from './prompts.ts';
import { executionToRecover, getRecovery, recordRecovery } from './recovery.ts';
import { getResult, listResults } from './results.ts';
import { heldExecution, resumeExecution } from './resume.ts';
import {
  enableIncrementalVacuum,
  freePages,
  incrementalVacuum,
  pruneResults,
  vacuumMode,
} from './retention.ts';
import { applySpooled, spoolAcknowledge, spoolCount, spoolPending } from './spool.ts';
import { stationStats } from './stats.ts';
import { markStepRunning, recordStep } from './steps.ts';
import { claimSyncItems, releaseClaims, returnUnsent } from './sync-claim.ts';
import { markRejected, markRetry, markSynced, requeueRejected } from './sync-mark.ts';
import { pruneSynced } from './sync-prune.ts';
import { syncStats } from './sync-stats.ts';
import { measurementTrend } from './trend.ts';
import { unitHistory } from './units.ts';
import { yieldSeries } from './yield-series.ts';

/** The named queries, each taking the store handle first. */
export const queries = {
  createExecution,
  recordStep,
  markStepRunning,
  setExecutionSerial,
  openPrompt,
  closePrompt,
  promptsByStep,
  finishExecution,
  getExecution,
  runningExecutions,
  markInterrupted,
  executionToRecover,
  getRecovery,
  recordRecovery,
  heldExecution,
  resumeExecution,
  setSequencePin,
  sequencePin,
  batchVersionRule,
  listResults,
  getResult,
  unitHistory,
  stationStats,
  yieldSeries,
  measurementTrend,
  claimSyncItems,
  releaseClaims,
  returnUnsent,
  markSynced,
  markRetry,
  markRejected,
  requeueRejected,
  syncStats,
  pruneSynced,
  pruneResults,
  spoolPending,
  spoolCount,
  spoolAcknowledge,
  applySpooled,
  vacuumMode,
  freePages,
  incrementalVacuum,
  enableIncrementalVacuum,
};

// biome-ignore lint/suspicious/noExplicitAny: matches any argument list so the mapped type can drop the handle
type QueryFn = (store: StoreHandle, ...args: any[]) => unknown;

/** A query with its store argument already applied. */
type Bound<F> = F extends (store: StoreHandle, ...args: infer A) => infer R ? (...args: A) => R : never;

/** The named queries as methods of an open Store. */
export type BoundQueries = { [K in keyof typeof queries]: Bound<(typeof queries)[K]> };

/**
 * Binds every query to `handle`. Whatever fails comes out as a StoreError: CLOSED after close(), BUSY when
 * another process held the write lock past the busy timeout, QUERY_FAILED for any other driver error.
 */
export function bindQueries(handle: StoreHandle, isClosed: () => boolean): BoundQueries {
  const bound: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(queries) as [string, QueryFn][]) {
    bound[name] = (...args: unknown[]) => {
      if (isClosed()) throw new StoreError('CLOSED', `${name}: the store at ${handle.path} is closed`);
      try {
        return fn(handle, ...args);
      } catch (err) {
        throw asStoreError(name, err);
      }
    };
  }
  return bound as BoundQueries;
}

function asStoreError(query: string, err: unknown): StoreError {
  const busy = sqliteCode(err)?.startsWith('SQLITE_BUSY') === true;
  if (err instanceof StoreError && !(busy && err.code === 'QUERY_FAILED')) return err;
  const message = `${query}: ${describeError(err)}`;
  return busy
    ? new StoreError('BUSY', `${message} (another process held the write lock past the busy timeout)`, {
        cause: err,
      })
    : new StoreError('QUERY_FAILED', message, { cause: err });
}
