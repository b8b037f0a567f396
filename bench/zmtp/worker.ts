/** Starts one benchmark role as a child process (ours on Bun, theirs on Node) and reads its JSON lines. */
import { join } from 'node:path';
import { readLines } from '@station/service/lines';
import type { Subprocess } from 'bun';
import { GcLog, type GcStats } from './gc.ts';

/** Which implementation runs the role: @station/zmtp on Bun or zeromq.js on Node. */
export type Impl = 'ours' | 'theirs';

/** A role script: an implementation, or the plain-socket floor. */
export type Script = Impl | 'floor';

const scripts: Record<Script, string[]> = {
  ours: [process.execPath, join(import.meta.dir, 'ours.ts')],
  floor: [process.execPath, join(import.meta.dir, 'floor.ts')],
  theirs: [process.env.ZMTP_BENCH_NODE ?? 'node', join(import.meta.dir, 'theirs.cjs')],
};

/** A JSON line printed by a role. */
export type Line = Record<string, unknown>;

/** One running role; kill() is safe to call more than once. */
export class Worker {
  private readonly lines: Line[] = [];
  private wake: (() => void) | undefined;
  private stderr = '';
  private ended = false;
  private readonly gcLog = new GcLog();

  private constructor(
    private readonly proc: Subprocess<'pipe', 'pipe', 'pipe'>,
    private readonly label: string,
  ) {
    void this.read();
    void this.readErrors();
  }

  /** Runs `config.role` of `impl`, every process pinned to CPU 0 when `pinned`. */
  static start(impl: Script, config: Record<string, unknown>, pinned: boolean): Worker {
    const command = [...(pinned ? ['taskset', '-c', '0'] : []), ...scripts[impl], JSON.stringify(config)];
    // JavaScriptCore logs each collection with its pause and keeps JIT compile times; gc.ts reads both.
    const env =
      impl === 'theirs'
        ? process.env
        : { ...process.env, BUN_JSC_logGC: '1', BUN_JSC_reportTotalCompileTimes: '1' };
    const proc = Bun.spawn(command, { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', env });
    return new Worker(proc, `${impl} ${String(config.role)}`);
  }

  /** Waits for the first line (from the start) having `key`, failing after `timeout` ms. */
  async expect(key: string, timeout: number): Promise<Line> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = this.lines.find((line) => key in line);
      if (found !== undefined) return found;
      if (this.ended) throw new Error(`${this.label} exited before '${key}': ${this.stderr.slice(-500)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: no '${key}' within ${timeout} ms`);
      const { promise, resolve } = Promise.withResolvers<void>();
      this.wake = resolve;
      const timer = setTimeout(resolve, left);
      await promise;
      clearTimeout(timer);
    }
  }

  /** Collections of a Bun role during its measured phase; undefined until the role marked its end. */
  get gc(): GcStats | undefined {
    return this.gcLog.measured;
  }

  /** Waits until the role's GC figures are in (its stderr is read asynchronously), at most `timeout` ms. */
  async gcWithin(timeout: number): Promise<GcStats | undefined> {
    const deadline = Date.now() + timeout;
    while (this.gc === undefined && !this.ended && Date.now() < deadline) await Bun.sleep(5);
    return this.gc;
  }

  /** Writes one line to the role's stdin. */
  tell(word: string): void {
    this.proc.stdin.write(`${word}\n`);
    this.proc.stdin.flush();
  }

  async kill(): Promise<void> {
    if (!this.ended) this.proc.kill('SIGKILL');
    await this.proc.exited;
  }

  private async read(): Promise<void> {
    await readLines(this.proc.stdout, (text) => {
      const line = text.trim();
      if (line.startsWith('{')) this.lines.push(JSON.parse(line) as Line);
      this.wake?.();
    });
    await this.proc.exited;
    this.ended = true;
    this.wake?.();
  }

  private async readErrors(): Promise<void> {
    const decoder = new TextDecoder();
    const reader = this.proc.stderr.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const text = decoder.decode(value, { stream: true });
      this.gcLog.feed(text);
      // Keep only what could explain a failure, not the GC log.
      for (const line of text.split('\n')) {
        if (!/^(\[GC<|GC END|Requesting GC|zmtp-bench-phase)/.test(line)) this.stderr += `${line}\n`;
      }
      this.stderr = this.stderr.slice(-4000);
    }
  }
}
