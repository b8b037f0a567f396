// The command line of a batch's runner. It carries the batch id and a `--station` marker so that the
// runbook's `ps aux | grep station` lists every runner and says which batch it serves.
import { fileURLToPath } from 'node:url';
import type { BatchConfig } from '@station/config';

/** apps/batch-runner's entry point in this repository. */
// A file the supervisor and the batch host start as a process, never import.
export const RUNNER_MAIN = fileURLToPath(new URL('../../../apps/batch-runner/src/main.ts', import.meta.url));

export interface RunnerCommandOptions {
  /** station.yaml the runner reads (the supervisor's own). */
  configPath: string;
  /** `station.id`, shown in `ps` after `--station`. */
  stationId: string;
  /** Script to run; defaults to RUNNER_MAIN (tests point it at a stand-in). */
  main?: string;
  /** The Bun executable; defaults to the one running the supervisor. */
  bun?: string;
  /** Extra arguments after the standard ones. */
  extra?: (batch: BatchConfig) => string[];
}

/**
 * Builds `bun --smol <main> --config <path> --batch <id> --station <stationId>`. No `--parent-pid`: a
 * runner outlives its supervisor (the next one adopts it). `--smol` has Bun collect garbage more often and
 * keep a smaller heap: a runner mostly waits, and a station runs dozens of them (docs/runner.md, "Cost").
 * @example runnerCommand({ configPath, stationId: 'st1' })(batch) // [bun, '--smol', .../main.ts, '--config', ...]
 */
export function runnerCommand(opts: RunnerCommandOptions): (batch: BatchConfig) => string[] {
  return (batch) => [
    opts.bun ?? process.execPath,
    '--smol',
    opts.main ?? RUNNER_MAIN,
    '--config',
    opts.configPath,
    '--batch',
    batch.id,
    '--station',
    opts.stationId,
    ...(opts.extra?.(batch) ?? []),
  ];
}
