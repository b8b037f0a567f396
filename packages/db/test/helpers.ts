// Shared test set-up: fresh stores in temp folders with the real migrations, removed after each test,
// fixed clock values, and a way to start fixture processes with this Bun.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NewExecution, openStore, type Store } from '../src/index.ts';

/** A fixed instant tests build their times from. */
export const T0 = Date.parse('2026-11-29T07:00:00.000Z');

/** ISO text of T0 + `ms`. */
export function at(ms: number): string {
  return new Date(T0 + ms).toISOString();
}

/** Tracks temp folders and stores of one test file; call cleanup() in afterEach. */
export class Scratch {
  private readonly dirs: string[] = [];
  private readonly stores: Store[] = [];

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

  cleanup(): void {
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

/** Command to run a `*-fixture.ts` with the Bun running the tests. */
export function fixture(name: string, ...args: string[]): string[] {
  return [process.execPath, join(import.meta.dir, name), ...args];
}
