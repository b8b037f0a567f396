// Test support: child processes started from `*-fixture.ts` files, waited on by condition, always reaped.
import { readLines } from '@station/service/lines';
import type { Subprocess } from 'bun';

export interface FixtureProcess extends AsyncDisposable {
  readonly proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  readonly pid: number;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Every stderr line so far. */
  readonly errLines: string[];
  /** Resolves with the first stdout line (past or future) that matches, or rejects after `ms`. */
  waitFor(pattern: RegExp | string, ms?: number): Promise<string>;
  /** Sends a signal (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals | number): Promise<number | null>;
  readonly exited: Promise<number>;
}

const bunPath = process.execPath;

/**
 * Runs `bun <file> ...args` and collects its output line by line. `prefix` goes before bun (e.g.
 * `ip netns exec <ns>`, which execs bun in place, so the pid is bun's).
 */
export function spawnFixture(
  file: string,
  args: string[] = [],
  env: Record<string, string> = {},
  prefix: string[] = [],
): FixtureProcess {
  const proc = Bun.spawn([...prefix, bunPath, file, ...args], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const errLines: string[] = [];
  const watchers = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
    await readLines(stream, (line) => {
      into.push(line);
      for (const w of [...watchers]) w();
    });
    for (const w of [...watchers]) w();
  };
  void pump(proc.stdout, lines);
  void pump(proc.stderr, errLines);

  const fixture: FixtureProcess = {
    proc,
    pid: proc.pid,
    lines,
    errLines,
    exited: proc.exited,
    waitFor(pattern, ms = 10_000) {
      const match = (l: string) => (typeof pattern === 'string' ? l.includes(pattern) : pattern.test(l));
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(match);
          if (hit !== undefined) {
            cleanup();
            resolve(hit);
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            cleanup();
            reject(
              new Error(
                `${file} exited (${proc.exitCode ?? proc.signalCode}) before printing ${pattern}\n${errLines.slice(-20).join('\n')}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `${file} did not print ${pattern} within ${ms} ms\nstdout: ${lines.slice(-10).join('\n')}\nstderr: ${errLines.slice(-20).join('\n')}`,
            ),
          );
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        void proc.exited.then(check);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await proc.exited;
      return proc.exitCode;
    },
    async [Symbol.asyncDispose]() {
      await fixture.kill('SIGKILL');
    },
  };
  return fixture;
}

/** Polls `fn` until it returns a truthy value, or throws after `ms` with `what` in the message. */
export async function until<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  ms = 10_000,
  every = 10,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await Bun.sleep(every);
  }
}

/** A TCP port free right now, for a child process that must be told its port on the command line. */
export function freePort(): number {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}
