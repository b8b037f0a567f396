// The store of a runner on a batch host: every write it makes goes into the host's own store as usual and,
// in the same transaction, into the host's spool as a record the station's store replays (queries/
// spool.ts). Reads are the host store's. Writes that name no execution directly are made to name one:
// defaults that depend on the moment (ids, times) are fixed before the record is written, so the replay
// writes exactly what the host wrote.
import type { JsonValue, SpoolOp } from '@station/model';
import { eq } from 'drizzle-orm';
import { writeTransaction } from './handle.ts';
import { newExecutionId } from './ids.ts';
import type { Store } from './open-store.ts';
import { spoolAppend } from './queries/spool.ts';
import { stepPrompts } from './schema.ts';
import { toIso } from './time.ts';

/** JSON as the spool keeps it (dates become ISO text, `undefined` is dropped or null). */
function json(args: unknown[]): JsonValue[] {
  return JSON.parse(JSON.stringify(args));
}

/**
 * `store` (the host's) with the runner's writes spooled for the station. `batchId` is the runner's batch.
 * @example const store = spoolingStore(openStore(storePath(config)), batch.id);
 */
export function spoolingStore(store: Store, batchId: string): Store {
  const spooled = <R>(executionId: string, op: SpoolOp, args: unknown[], write: () => R): R =>
    writeTransaction(store, () => {
      const result = write();
      spoolAppend(store, { executionId, batchId, op, args: json(args) });
      return result;
    });
  const overrides: Partial<Store> = {
    createExecution(input) {
      const fixed = {
        ...input,
        id: input.id ?? newExecutionId(),
        startedAt: toIso(input.startedAt ?? new Date()),
      };
      return spooled(fixed.id, 'createExecution', [fixed], () => store.createExecution(fixed));
    },
    markStepRunning(executionId, order, startedAt = new Date()) {
      const at = toIso(startedAt);
      return spooled(executionId, 'markStepRunning', [executionId, order, at], () =>
        store.markStepRunning(executionId, order, at),
      );
    },
    recordStep(executionId, step, measurements = [], opts = {}) {
      // The next step's mark keeps its moment, like every other time the replay writes.
      const fixed = opts.next
        ? { next: { order: opts.next.order, startedAt: toIso(opts.next.startedAt ?? new Date()) } }
        : {};
      return spooled(executionId, 'recordStep', [executionId, step, measurements, fixed], () =>
        store.recordStep(executionId, step, measurements, fixed),
      );
    },
    setExecutionSerial(executionId, serial, step) {
      return spooled(executionId, 'setExecutionSerial', [executionId, serial, step], () =>
        store.setExecutionSerial(executionId, serial, step),
      );
    },
    openPrompt(p) {
      spooled(p.executionId, 'openPrompt', [p], () => store.openPrompt(p));
    },
    closePrompt(id, close) {
      const row = store.db
        .select({ executionId: stepPrompts.executionId })
        .from(stepPrompts)
        .where(eq(stepPrompts.id, id))
        .get();
      if (!row) return store.closePrompt(id, close);
      return spooled(row.executionId, 'closePrompt', [id, close], () => store.closePrompt(id, close));
    },
    finishExecution(id, outcome) {
      const fixed = { ...outcome, completedAt: toIso(outcome.completedAt ?? new Date()) };
      return spooled(id, 'finishExecution', [id, fixed], () => store.finishExecution(id, fixed));
    },
    markInterrupted(target, status, interruption, now = new Date(), options = {}) {
      const at = toIso(now);
      // A batch-wide mark is spooled as one mark per execution it changed.
      return writeTransaction(store, () => {
        const ended = store.markInterrupted(target, status, interruption, at, options);
        for (const id of ended) {
          spoolAppend(store, {
            executionId: id,
            batchId,
            op: 'markInterrupted',
            args: json([id, status, interruption, at, options]),
          });
        }
        return ended;
      });
    },
    recordRecovery(executionId, record) {
      spooled(executionId, 'recordRecovery', [executionId, record], () =>
        store.recordRecovery(executionId, record),
      );
    },
    resumeExecution(executionId, fromOrder, record) {
      spooled(executionId, 'resumeExecution', [executionId, fromOrder, record], () =>
        store.resumeExecution(executionId, fromOrder, record),
      );
    },
  };
  // The open store's own getters (`closed`) and close() stay reachable through the prototype.
  return Object.assign(Object.create(store) as Store, overrides);
}
