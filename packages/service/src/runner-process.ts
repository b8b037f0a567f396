// Runner processes: the ones a supervisor (or a batch host) spawns and the ones it adopts from an earlier one.
// A runner must outlive its supervisor, so nothing of it is tied to the supervisor process: its own session
// (a Ctrl-C or a signal to the supervisor's group never reaches it), stdin and stdout on /dev/null (it logs
// to its own files), stderr into `<data_dir>/run/runner-<id>.stderr` (the tail explains a crash), and a pid
// file naming it by pid and kernel start time, so the next supervisor finds it and never mistakes a reused
// pid for it. An adopted runner is not our child: its end is seen by polling /proc, and what it died of is
// what it wrote in its exit file (none: it vanished, BATCH_LOST).

import { closeSync, mkdirSync, openSync } from 'node:fs';
import type { BatchConfig } from '@station/config';
import { redactText } from '@station/log';
import { sleep } from '@station/time';
import {
  isAlive,
  processStartTime,
  type RunnerIdentity,
  readExitFile,
  runDir,
  runnerFiles,
  signalRunner,
  tailLines,
  writePidFile,
} from './runner-files.ts';

/** How a runner process ended: an exit code, or the signal that killed it. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** What the runner wrote in its exit file before it ended (`ORPHANED`, `EXIT`, ...), when it did. */
  reason?: string;
  /** An adopted runner that is gone without an exit file: nothing says how it ended. */
  lost?: boolean;
}

/** One spawned runner process. */
export interface RunnerProcess {
  readonly pid: number;
  /** pid and kernel start time: the runner's `health` must answer both (a reused pid is not it). */
  readonly identity?: RunnerIdentity;
  /** Spawned by an earlier supervisor and taken over by this one. */
  readonly adopted?: boolean;
  /** Stops watching the process without touching it (the supervisor leaves it running). */
  detach?(): void;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** Sends a signal; a process that already exited is left alone. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** The last lines the process wrote to stderr, oldest first. */
  stderrTail(): string[];
}

export interface ProcessSpawnerOptions {
  /** The command line of a batch's runner (see `runnerCommand`). */
  command: (batch: BatchConfig) => string[];
  /** `paths.data_dir`: pid, exit and stderr files go to its `run/` folder. */
  dataDir: string;
  cwd?: string;
  /** The runner's environment (see `runnerEnv`); the supervisor's own when omitted (tests only). */
  env?: (batch: BatchConfig) => Record<string, string | undefined>;
  /** How many stderr lines to keep for crash reports. Default 20. */
  stderrLines?: number;
}

const MAX_LINE = 2_000;
/** How often an adopted runner's liveness is checked in /proc (ms). */
export const ADOPTED_POLL_MS = 200;

/** A SpawnRunner that starts real OS processes (at once: the process exists when it returns). */
export function processSpawner(opts: ProcessSpawnerOptions): (batch: BatchConfig) => RunnerProcess {
  return (batch) => spawnRunner(batch, opts);
}

/** Scrubbed as read: the tail ends up in crash reports, events, the store and the log. */
function stderrTail(path: string, keep: number): string[] {
  return tailLines(path, keep).map((raw) => {
    const line = redactText(raw);
    return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}...` : line;
  });
}

/** What the exit file of `id` says, as the `reason` of an ExitInfo. */
function exitReason(dataDir: string, id: RunnerIdentity): Pick<ExitInfo, 'reason'> {
  const left = readExitFile(dataDir, id);
  return left ? { reason: left.message ? `${left.reason}: ${left.message}` : left.reason } : {};
}

function spawnRunner(batch: BatchConfig, opts: ProcessSpawnerOptions): RunnerProcess {
  const files = runnerFiles(opts.dataDir, batch.id);
  mkdirSync(runDir(opts.dataDir), { recursive: true });
  const stderrFd = openSync(files.stderr, 'w');
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(opts.command(batch), {
      cwd: opts.cwd,
      env: opts.env?.(batch) ?? process.env,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: stderrFd,
      detached: true,
    });
  } finally {
    closeSync(stderrFd);
  }
  const id: RunnerIdentity = {
    batchId: batch.id,
    pid: proc.pid,
    startTime: processStartTime(proc.pid) ?? '',
  };
  writePidFile(opts.dataDir, id);
  const keep = opts.stderrLines ?? 20;
  return {
    pid: proc.pid,
    identity: id,
    exited: proc.exited.then(
      (): ExitInfo => ({
        code: proc.signalCode === null ? proc.exitCode : null,
        signal: proc.signalCode === null ? null : String(proc.signalCode),
        ...exitReason(opts.dataDir, id),
      }),
    ),
    kill(signal) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      try {
        proc.kill(signal);
      } catch {
        // Exited between the check and the signal.
      }
    },
    stderrTail: () => stderrTail(files.stderr, keep),
  };
}

/**
 * A runner an earlier supervisor spawned. Its exit is seen when /proc no longer has this very process
 * (pid and start time); `detach()` stops watching without touching it.
 */
export function adoptedRunner(dataDir: string, id: RunnerIdentity, stderrLines = 20): RunnerProcess {
  let watching = true;
  const exited = (async (): Promise<ExitInfo> => {
    while (watching && isAlive(id)) await sleep(ADOPTED_POLL_MS);
    if (!watching) return new Promise<ExitInfo>(() => {});
    const left = readExitFile(dataDir, id);
    if (!left) return { code: null, signal: null, lost: true };
    return { code: left.code, signal: null, ...exitReason(dataDir, id) };
  })();
  return {
    pid: id.pid,
    identity: id,
    adopted: true,
    exited,
    // Only this very process: a pid reused since is not ours to signal.
    kill: (signal) => signalRunner(id, signal),
    stderrTail: () => stderrTail(runnerFiles(dataDir, id.batchId).stderr, stderrLines),
    detach() {
      watching = false;
    },
  };
}
