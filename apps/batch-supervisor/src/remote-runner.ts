// Runners of batches placed on another machine (`batches[].host`), driven through that machine's batch
// host (`host.<name>` on the bus, apps/batch-host) so that the rest of the supervisor treats them as the
// local ones: a pid (the host's), a kill that the host carries out, and an exit the host reports. The
// exit is learnt by polling the host's `runner.list`, the way an adopted local runner's is learnt by
// polling /proc; while the host does not answer, nothing is concluded (the link may be cut, the runner
// fine). The host reports an end only once the station's store has every write of the run.
import { type BusClient, hostService } from '@station/bus';
import type { HostRunner } from '@station/model';
import type { RunnerIdentity } from '@station/service/runner-files';
import { sleep, type Timers } from '@station/time';
import type { ExitInfo, RunnerProcess } from './types.ts';

/** The supervisor's requests to batch hosts; failures are thrown (`start`) or read as silence. */
export interface HostLink {
  start(host: string, batchId: string): Promise<{ pid: number; startTime: string; adopted: boolean }>;
  /** The host's runners, or undefined when it does not answer. */
  list(host: string, timeoutMs: number): Promise<HostRunner[] | undefined>;
  signal(host: string, id: RunnerIdentity, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  forget(host: string, id: RunnerIdentity): Promise<void>;
  /** Whether the host answers at all. */
  answers(host: string, timeoutMs: number): Promise<boolean>;
}

/** A HostLink over the supervisor's BusClient. */
export function busHostLink(client: BusClient, startTimeoutMs = 10_000): HostLink {
  return {
    start: (host, batchId) =>
      client.request(hostService(host), 'runner.start', { batchId }, { timeoutMs: startTimeoutMs }),
    list: (host, timeoutMs) =>
      client.request(hostService(host), 'runner.list', {}, { timeoutMs }).catch(() => undefined),
    async signal(host, id, signal) {
      await client.request(hostService(host), 'runner.signal', { ...ref(id), signal }, { timeoutMs: 2_000 });
    },
    async forget(host, id) {
      await client.request(hostService(host), 'runner.forget', ref(id), { timeoutMs: 2_000 });
    },
    answers: (host, timeoutMs) =>
      client.request(hostService(host), 'health', {}, { timeoutMs }).then(
        () => true,
        () => false,
      ),
  };
}

function ref(id: RunnerIdentity): RunnerIdentity {
  return { batchId: id.batchId, pid: id.pid, startTime: id.startTime };
}

export interface RemoteRunnerOptions {
  link: HostLink;
  host: string;
  timers: Timers;
  /** How often the host is asked whether the runner still runs (ms). Default 250. */
  pollMs?: number;
  /** Hears a signal the host could not be asked to send. */
  onError?: (err: unknown) => void;
}

/** The end the host reported for `id`, or `gone` when the host no longer knows it at all. */
function endOf(runners: HostRunner[], id: RunnerIdentity): ExitInfo | 'running' | 'gone' {
  const r = runners.find((x) => x.batchId === id.batchId && x.pid === id.pid && x.startTime === id.startTime);
  if (!r) return 'gone';
  if (!r.exit) return 'running';
  return {
    code: r.exit.code,
    signal: r.exit.signal,
    ...(r.exit.reason ? { reason: r.exit.reason } : {}),
    ...(r.exit.lost ? { lost: true } : {}),
  };
}

/** A runner on host `opts.host`, named by its identity there. */
export function remoteRunner(id: RunnerIdentity, adopted: boolean, opts: RemoteRunnerOptions): RunnerProcess {
  let watching = true;
  let stderr: string[] = [];
  const pollMs = opts.pollMs ?? 250;
  const exited = (async (): Promise<ExitInfo> => {
    for (;;) {
      if (!watching) return new Promise<ExitInfo>(() => {});
      const runners = await opts.link.list(opts.host, Math.max(1_000, pollMs * 4));
      if (runners) {
        const end = endOf(runners, id);
        stderr = runners.find((r) => r.pid === id.pid)?.stderr ?? stderr;
        // A host that answers without it lost its records of it (its data folder was replaced).
        if (end === 'gone') return { code: null, signal: null, lost: true };
        if (end !== 'running') return end;
      }
      await sleep(pollMs, undefined, undefined, opts.timers);
    }
  })();
  return {
    pid: id.pid,
    identity: id,
    adopted,
    exited,
    kill(signal) {
      opts.link.signal(opts.host, id, signal).catch((err: unknown) => opts.onError?.(err));
    },
    stderrTail: () => stderr,
    detach() {
      watching = false;
    },
  };
}

/** Starts a batch's runner on its host; the host names an already running one instead (`adopted`). */
export async function spawnRemote(
  host: string,
  batchId: string,
  opts: Omit<RemoteRunnerOptions, 'host'>,
): Promise<RunnerProcess> {
  const started = await opts.link.start(host, batchId);
  const id = { batchId, pid: started.pid, startTime: started.startTime };
  return remoteRunner(id, started.adopted, { ...opts, host });
}

/** What the supervisor's spawn, adopt and runnerGone do for the batches placed on batch hosts. */
export interface RemoteBatches {
  /** The host of a batch, or undefined for a batch of this machine. */
  hostOf(batchId: string): string | undefined;
  spawn(host: string, batchId: string): Promise<RunnerProcess>;
  adopt(host: string, id: RunnerIdentity): RunnerProcess;
  /** The supervisor has dealt with the runner's end: its host may drop it. */
  gone(host: string, batchId: string): void;
}

/** The remote side of spawn/adopt/runnerGone over `opts.link`, remembering which runner each batch has. */
export function remoteBatches(
  batches: readonly { id: string; host?: string }[],
  opts: Omit<RemoteRunnerOptions, 'host'>,
): RemoteBatches {
  const ids = new Map<string, RunnerIdentity>();
  return {
    hostOf: (batchId) => batches.find((b) => b.id === batchId)?.host,
    async spawn(host, batchId) {
      const proc = await spawnRemote(host, batchId, opts);
      if (proc.identity) ids.set(batchId, proc.identity);
      return proc;
    },
    adopt(host, id) {
      ids.set(id.batchId, id);
      return remoteRunner(id, true, { ...opts, host });
    },
    gone(host, batchId) {
      const id = ids.get(batchId);
      if (!id) return;
      ids.delete(batchId);
      opts.link.forget(host, id).catch((err: unknown) => opts.onError?.(err));
    },
  };
}
