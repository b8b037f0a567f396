// Spawning runner processes: the real SpawnRunner. Each runner gets its own session (so a Ctrl-C in the
// supervisor's terminal reaches only the supervisor, which then stops runners in order), a stdin pipe that
// is never written or closed (its EOF is how a runner learns its supervisor died, even by SIGKILL), and a
// stderr that is read line by line so the last lines can explain a crash.

import type { BatchConfig } from '@station/config';
import { redactText } from '@station/log';
import { readLines } from '@station/service/lines';
import type { FileSink, Subprocess } from 'bun';
import type { ExitInfo, RunnerProcess, SpawnRunner } from './types.ts';

export interface ProcessSpawnerOptions {
  /** The command line of a batch's runner (see `runnerCommand`). */
  command: (batch: BatchConfig) => string[];
  cwd?: string;
  /** The runner's environment (see `runnerEnv`); the supervisor's own when omitted (tests only). */
  env?: (batch: BatchConfig) => Record<string, string | undefined>;
  /** Runner stdout: shared with the supervisor's (containers collect it) or dropped. Default inherit. */
  stdout?: 'inherit' | 'ignore';
  /** How many stderr lines to keep for crash reports. Default 20. */
  stderrLines?: number;
  /** Called with every stderr line, e.g. to log it under the batch's id. */
  onStderrLine?: (batchId: string, line: string) => void;
}

const MAX_LINE = 2_000;
const STDERR_DRAIN_MS = 200;

/** A SpawnRunner that starts real OS processes. */
export function processSpawner(opts: ProcessSpawnerOptions): SpawnRunner {
  return (batch) => new ChildRunner(batch, opts);
}

/** One spawned runner: its exit, its signals and the tail of its stderr. */
class ChildRunner implements RunnerProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  readonly #proc: Subprocess<'pipe', 'inherit' | 'ignore', 'pipe'>;
  readonly #tail: string[] = [];
  // Held, never ended, for the life of the process: the pipe closes only when the supervisor dies.
  readonly #parentLink: FileSink;

  constructor(batch: BatchConfig, opts: ProcessSpawnerOptions) {
    const keep = opts.stderrLines ?? 20;
    this.#proc = Bun.spawn(opts.command(batch), {
      cwd: opts.cwd,
      env: opts.env?.(batch) ?? process.env,
      stdin: 'pipe',
      stdout: opts.stdout ?? 'inherit',
      stderr: 'pipe',
      detached: true,
    });
    const proc = this.#proc;
    this.pid = proc.pid;
    this.#parentLink = proc.stdin;
    const info = (): ExitInfo => ({
      code: proc.signalCode === null ? proc.exitCode : null,
      signal: proc.signalCode === null ? null : String(proc.signalCode),
    });
    // Scrubbed as read: the tail ends up in crash reports, events, the store and the log.
    const drained = readLines(
      proc.stderr,
      (raw) => {
        const line = redactText(raw);
        this.#tail.push(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}...` : line);
        if (this.#tail.length > keep) this.#tail.shift();
        opts.onStderrLine?.(batch.id, line);
      },
      { skipBlank: true },
    );
    // The last words of a crashing runner may still be in the pipe when the exit is seen: give them a
    // moment (bounded: a grandchild could hold the pipe open) so a crash report includes them.
    this.exited = proc.exited.then(
      () => Promise.race([drained, Bun.sleep(STDERR_DRAIN_MS)]).then(info),
      info,
    );
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    const proc = this.#proc;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    try {
      proc.kill(signal);
    } catch {
      // Exited between the check and the signal.
    }
  }

  stderrTail(): string[] {
    return [...this.#tail];
  }

  /** Whether the stdin pipe the runner watches is still held (for tests of the parent link). */
  get parentLinkOpen(): boolean {
    return this.#parentLink !== undefined;
  }
}
