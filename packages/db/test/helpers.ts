// Shared test set-up: fresh stores in temp folders with the real migrations, removed after each test,
// fixed clock values, the rows a plain execution is stored as, and fixture processes started with this
// Bun and killed after each test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepResult } from '@station/model';
import { type ExecutionRow, type NewExecution, openStore, type Store } from '../src/index.ts';

/** A fixed instant tests build their times from. */
export const T0 = Date.parse('2026-11-29T07:00:00.000Z');

/** ISO text of T0 + `ms`. */
export function at(ms: number): string {
  return new Date(T0 + ms).toISOString();
}

/** Tracks temp folders, stores and fixture processes of one test file; call cleanup() in afterEach. */
export class Scratch {
  private readonly dirs: string[] = [];
  private readonly stores: Store[] = [];
  private readonly procs: Bun.Subprocess[] = [];

  /** A new empty folder, removed by cleanup(). */
  dir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'station-db-test-'));
    this.dirs.push(dir);
    return dir;
  }

  /** A store on a fresh file (real migrations applied), closed by cleanup(). */
  store(): Store {
    return this.track(openStore(join(this.dir(), 'station.db')));
  }

  /** Registers a store opened by the test itself for closing. */
  track(store: Store): Store {
    this.stores.push(store);
    return store;
  }

  /** Starts `cmd` with its output piped; killed by cleanup() if it is still running. */
  spawn(cmd: string[]): Bun.Subprocess<'ignore', 'pipe', 'pipe'> {
    const proc = Bun.spawn(cmd, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    this.procs.push(proc);
    return proc;
  }

  async cleanup(): Promise<void> {
    for (const p of this.procs.splice(0)) {
      p.kill('SIGKILL');
      await p.exited;
    }
    for (const s of this.stores.splice(0)) s.close();
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** A plausible execution for `batchId`, started at T0 + `offsetMs`. */
export function execution(id: string, offsetMs = 0, over: Partial<NewExecution> = {}): NewExecution {
  return {
    id,
    batchId: 'batch_1',
    sequenceName: 'psu_functional',
    sequenceVersion: '1.2.0',
    packageHash: 'sha256:abc',
    parameters: { voltage: 5, label: 'DUT-1' },
    startedAt: at(offsetMs),
    ...over,
  };
}

/** The whole row `createExecution(execution(id, offsetMs))` stores (running), with `over` changed. */
export function executionRow(id: string, offsetMs = 0, over: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    id,
    batchId: 'batch_1',
    sequenceName: 'psu_functional',
    sequenceVersion: '1.2.0',
    packageHash: 'sha256:abc',
    status: 'running',
    overallPass: null,
    parameters: { voltage: 5, label: 'DUT-1' },
    startedAt: at(offsetMs),
    completedAt: null,
    duration: null,
    error: null,
    statusReason: null,
    syncedAt: null,
    operator: null,
    serialNumber: null,
    partNumber: null,
    revision: null,
    lot: null,
    serialSourceStep: null,
    ...over,
  };
}

/** A step that never ran, as stored: `pending` while its run goes on, `skipped` once it ended. */
export function unrunStep(name: string, order: number, status: 'pending' | 'skipped'): StepResult {
  return {
    name,
    order,
    status,
    pass: false,
    startedAt: null,
    completedAt: null,
    duration: null,
    attempts: 0,
    result: null,
    error: null,
    measurements: [],
  };
}

/** A fixture process's exit code and whole output, once it ended. */
export async function output(proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>) {
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, out, err };
}

/** Command to run a `*-fixture.ts` with the Bun running the tests. */
export function fixture(name: string, ...args: string[]): string[] {
  return [process.execPath, join(import.meta.dir, name), ...args];
}
