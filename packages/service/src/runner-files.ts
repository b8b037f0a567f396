// The files by which a batch runner outlives its supervisor, under `<data_dir>/run/`: a pid file per
// runner (written by the supervisor that spawned it), the exit reason the runner leaves when it ends, and
// its stderr. With the kernel's start time of the process they name one process for the life of the
// machine, so a pid reused by an unrelated process is never taken for a runner.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One runner process as its pid file records it. */
export interface RunnerIdentity {
  batchId: string;
  pid: number;
  /** The kernel's start time of the process (`/proc/<pid>/stat` field 22, clock ticks since boot). */
  startTime: string;
}

/** What a runner says about its own end, written just before it exits. */
export interface RunnerExit extends RunnerIdentity {
  /**
   * Why it ended: `SHUTDOWN_REQUESTED` (the supervisor's `shutdown`), `SIGTERM`/`SIGINT`, `ORPHANED` (its
   * supervisor stayed away past `supervisor.orphan_timeout`), `EXIT` (something called process.exit),
   * `FATAL` (it could not start).
   */
  reason: string;
  code: number;
  at: string;
  message?: string;
}

/** `<data_dir>/run`, where the files live (with the broker's sockets by default). */
export function runDir(dataDir: string): string {
  return join(dataDir, 'run');
}

/** The three files of one batch's runner. */
export function runnerFiles(dataDir: string, batchId: string): { pid: string; exit: string; stderr: string } {
  const base = join(runDir(dataDir), `runner-${batchId}`);
  return { pid: `${base}.pid`, exit: `${base}.exit`, stderr: `${base}.stderr` };
}

/** The kernel's start time of a live process, or undefined when there is none (a zombie counts as gone). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/** Whether the process a pid file or exit file names is still the one running under that pid. */
export function isAlive(id: Pick<RunnerIdentity, 'pid' | 'startTime'>): boolean {
  return processStartTime(id.pid) === id.startTime;
}

/** Signals this very process; a pid reused by another process since, or a process gone, is left alone. */
export function signalRunner(id: Pick<RunnerIdentity, 'pid' | 'startTime'>, signal: NodeJS.Signals): void {
  if (!isAlive(id)) return;
  try {
    process.kill(id.pid, signal);
  } catch {
    // Gone between the check and the signal.
  }
}

/** Writes a file whole or not at all (a reader never sees half of it). */
function writeAtomic(path: string, content: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function identityOf(raw: Record<string, unknown> | undefined): RunnerIdentity | undefined {
  if (!raw) return undefined;
  const { batchId, pid, startTime } = raw;
  if (typeof batchId !== 'string' || typeof pid !== 'number' || typeof startTime !== 'string')
    return undefined;
  return { batchId, pid, startTime };
}

export function writePidFile(dataDir: string, id: RunnerIdentity): void {
  writeAtomic(runnerFiles(dataDir, id.batchId).pid, `${JSON.stringify(id)}\n`);
}

/** The runner a pid file names; undefined when there is none or it cannot be read. */
export function readPidFile(dataDir: string, batchId: string): RunnerIdentity | undefined {
  const id = identityOf(readJson(runnerFiles(dataDir, batchId).pid));
  return id?.batchId === batchId ? id : undefined;
}

export function writeExitFile(dataDir: string, exit: RunnerExit): void {
  // Written as the process ends, which may be after its data folder was deleted (a station removed, a
  // test's temp station cleaned up while its runner was still exiting): no one is left to read it, and
  // creating the folder again would leave a stray tree behind.
  if (!existsSync(dataDir)) return;
  writeAtomic(runnerFiles(dataDir, exit.batchId).exit, `${JSON.stringify(exit)}\n`);
}

/** The exit reason left by exactly this process (pid and start time), if it left one. */
export function readExitFile(dataDir: string, id: RunnerIdentity): RunnerExit | undefined {
  const raw = readJson(runnerFiles(dataDir, id.batchId).exit);
  const who = identityOf(raw);
  if (!raw || !who || who.pid !== id.pid || who.startTime !== id.startTime) return undefined;
  const { reason, code, at, message } = raw;
  if (typeof reason !== 'string' || typeof code !== 'number' || typeof at !== 'string') return undefined;
  return { ...who, reason, code, at, ...(typeof message === 'string' ? { message } : {}) };
}

/** Removes a batch's pid and exit files (its runner has been dealt with). */
export function clearRunnerFiles(dataDir: string, batchId: string): void {
  const files = runnerFiles(dataDir, batchId);
  rmSync(files.pid, { force: true });
  rmSync(files.exit, { force: true });
}

/** The last `n` non-blank lines of a file (its stderr), oldest first; none when it cannot be read. */
export function tailLines(path: string, n: number): string[] {
  try {
    const text = readFileSync(path, 'utf8');
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-n);
  } catch {
    return [];
  }
}

/**
 * Runner processes of one station in the process table: command lines that carry `--batch <id>` and
 * every one of `marks` (the station's config path and id), by batch id. Finds a runner whose pid file was
 * never written (its supervisor died right after spawning it).
 */
export function findRunnerProcesses(marks: string[]): Map<string, RunnerIdentity[]> {
  const found = new Map<string, RunnerIdentity[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = args.indexOf('--batch');
    const batchId = at >= 0 ? args[at + 1] : undefined;
    if (!batchId || !marks.every((m) => args.includes(m))) continue;
    const startTime = processStartTime(pid);
    if (startTime === undefined) continue;
    const list = found.get(batchId) ?? [];
    list.push({ batchId, pid, startTime });
    found.set(batchId, list);
  }
  return found;
}
