// One supervised service process of the launcher: spawned, its output prefixed, restarted with backoff
// when it dies unasked, stopped with SIGTERM then SIGKILL.
import { readLines } from '@station/service/lines';
import { exitsWithin, terminate } from '@station/service/terminate';
import { backoffDelay, sleep } from '@station/time';
import type { Subprocess } from 'bun';

export interface ServiceSpec {
  /** Short name shown as the output prefix (`broker`, `supervisor`, ...). */
  name: string;
  /** Command line. */
  cmd: string[];
  /** Resolves true once the service answers; called after each (re)start. */
  ready(): Promise<boolean>;
  /** Longest a graceful stop may take before SIGKILL (ms). */
  stopTimeoutMs: number;
  /**
   * The signal that stops it for good (default SIGTERM). The supervisor takes SIGINT: it stops its
   * runners too, where SIGTERM would leave them running for a next supervisor.
   */
  stopSignal?: 'SIGINT';
}

export interface ChildOptions {
  /** Where prefixed output lines go. */
  out: (line: string) => void;
  /** Restart backoff: first delay and cap (ms). A run that lasted `resetAfterMs` resets the delay. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  resetAfterMs?: number;
  env?: Record<string, string | undefined>;
}

export class ServiceChild {
  readonly spec: ServiceSpec;
  #proc: Subprocess<'ignore', 'pipe', 'pipe'> | undefined;
  #stopping = false;
  /** Failures since the last long run: the restart delay grows with it. */
  #streak = 0;
  #restarts = 0;
  #startedAt = 0;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #opts: Required<Omit<ChildOptions, 'env'>> & { env?: ChildOptions['env'] };

  constructor(spec: ServiceSpec, opts: ChildOptions) {
    this.spec = spec;
    this.#opts = {
      ...opts,
      backoffBaseMs: opts.backoffBaseMs ?? 500,
      backoffCapMs: opts.backoffCapMs ?? 30_000,
      resetAfterMs: opts.resetAfterMs ?? 60_000,
    };
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Starts the process and waits until it is ready (or `timeoutMs` passes). */
  async start(timeoutMs = 20_000): Promise<boolean> {
    this.#spawn();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.#stopping) {
      if (await this.spec.ready().catch(() => false)) return true;
      await sleep(50);
    }
    return false;
  }

  #spawn(): void {
    const proc = Bun.spawn(this.spec.cmd, {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      env: { ...process.env, ...this.#opts.env },
      // Its own session: a terminal's Ctrl-C reaches only the launcher, which stops services in order.
      detached: true,
    });
    this.#proc = proc;
    this.#startedAt = Date.now();
    void this.#pipe(proc.stdout);
    void this.#pipe(proc.stderr);
    void proc.exited.then((code) => this.#onExit(proc, code));
  }

  async #pipe(stream: ReadableStream<Uint8Array>): Promise<void> {
    await readLines(stream, (line) => this.#opts.out(`[${this.spec.name}] ${line}`));
  }

  #onExit(proc: Subprocess, code: number): void {
    if (proc !== this.#proc || this.#stopping) return;
    const signal = proc.signalCode;
    const ranFor = Date.now() - this.#startedAt;
    if (ranFor >= this.#opts.resetAfterMs) this.#streak = 0;
    const delay = backoffDelay(this.#streak, {
      baseMs: this.#opts.backoffBaseMs,
      capMs: this.#opts.backoffCapMs,
    });
    this.#opts.out(
      `[launcher] ${this.spec.name} exited (${signal ?? `code ${code}`}) after ${Math.round(ranFor / 1000)} s; restarting in ${delay} ms`,
    );
    this.#restartTimer = setTimeout(() => {
      if (this.#stopping) return;
      this.#restarts++;
      this.#spawn();
    }, delay);
    this.#streak++;
  }

  /** No more restarts from now on (the station is stopping). */
  hold(): void {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
  }

  /**
   * The stop signal (SIGTERM, or the spec's), then SIGKILL after the spec's stop timeout; resolves when
   * the process is gone.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const proc = this.#proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    if (this.spec.stopSignal) {
      proc.kill(this.spec.stopSignal);
      if (await exitsWithin(proc.exited, this.spec.stopTimeoutMs)) return;
    }
    await terminate(proc, {
      graceMs: this.spec.stopTimeoutMs,
      onSignal: (signal) => {
        if (signal === 'SIGKILL') {
          this.#opts.out(
            `[launcher] ${this.spec.name} did not stop within ${this.spec.stopTimeoutMs} ms; killing it`,
          );
        }
      },
    });
  }
}
