// Shared test furniture: a fresh store file per test, finished executions to sync, a silent logger,
// backend settings with test-sized intervals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DutInput, newExecutionId, openStore, type Store } from '@station/db';
import { createLogger, type Logger } from '@station/log';
import { until as pollUntil } from '../../../tests/support/process.ts';
import type { BackendSettings } from '../src/agent.ts';

/** A temp folder with a store file in it; `dispose()` closes and deletes both. */
export interface TempStore {
  dir: string;
  path: string;
  store: Store;
  /** Opens a second connection to the same file (another agent, a checker). */
  open(): Store;
  dispose(): void;
}

export function tempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'sync-agent-test-'));
  const path = join(dir, 'station.db');
  const opened: Store[] = [];
  const open = () => {
    const s = openStore(path);
    opened.push(s);
    return s;
  };
  const store = open();
  return {
    dir,
    path,
    store,
    open,
    dispose() {
      for (const s of opened) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A logger that writes nothing. */
export const quietLogger: Logger = createLogger({ service: 'sync-test', level: 'silent', stdout: false });

/** Backend settings with intervals small enough for tests. */
export function settings(url: string | undefined, apiKey: string, over: Partial<BackendSettings> = {}) {
  return {
    url,
    api_key: apiKey,
    sync_interval: 50,
    timeout: 2_000,
    retry_base: 1_000,
    retry_cap: 60_000,
    health_interval: 40,
    ...over,
  } satisfies BackendSettings;
}

/**
 * Finishes `count` executions of `steps` steps each, one per millisecond from `start`, so their queue
 * rows' created_at follow creation order. Returns their ids in that order.
 */
export function seedExecutions(
  store: Store,
  count: number,
  opts: { steps?: number; start?: number; operator?: string; dut?: DutInput } = {},
): string[] {
  const steps = opts.steps ?? 3;
  const start = opts.start ?? Date.parse('2026-11-29T07:00:00.000Z');
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = start + i;
    const id = newExecutionId(t);
    store.createExecution({
      id,
      batchId: `batch_${(i % 3) + 1}`,
      sequenceName: 'psu_functional',
      sequenceVersion: '1.0.0',
      packageHash: 'sha256:0f3a',
      parameters: { vin: 12 },
      startedAt: t - 1000,
      operator: opts.operator ?? null,
      dut: opts.dut ?? null,
    });
    for (let s = 0; s < steps; s++) {
      store.recordStep(
        id,
        {
          name: `step_${s}`,
          order: s,
          status: 'completed',
          pass: true,
          startedAt: t - 900,
          completedAt: t - 800,
        },
        [{ name: `v_${s}`, value: 12 + s / 10, unit: 'V', low: 11, high: 14, pass: true }],
      );
    }
    store.finishExecution(id, { status: 'completed', overallPass: true, completedAt: t });
    ids.push(id);
  }
  return ids;
}

/** The shared `until` with the condition second; fails with `what` after `timeoutMs`. */
export async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  await pollUntil(cond, what, timeoutMs, 5);
}

/** The sync_queue rows as the runbook sees them, oldest first. */
export function queueRows(store: Store) {
  return store.sqlite
    .query<
      {
        entity_id: string;
        status: string;
        attempts: number;
        last_status: number | null;
        last_error: string | null;
      },
      []
    >('SELECT entity_id, status, attempts, last_status, last_error FROM sync_queue ORDER BY created_at, id')
    .all();
}
