// A station's cold start as one wave: the supervisor starts every auto_start batch, a few at a time, and a
// runner that is Ready early would otherwise spend its warm-up (about a quarter of a start's CPU) while
// the runners after it still load, on the same cores. The supervisor marks the wave with a file in
// `<data_dir>/run`; a runner waits for the file to go before its warm-up, so the CPU goes to the starts
// first and the warm-ups run once every slot is Ready (docs/runner.md, "Start-up").
import { existsSync, mkdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDir } from './runner-files.ts';

/** `<data_dir>/run/start-wave`: present while a supervisor is starting many runners at once. */
export function startWaveFile(dataDir: string): string {
  return join(runDir(dataDir), 'start-wave');
}

/** Marks the start of a wave (the file names the supervisor's pid); throws when it cannot be written. */
export function beginStartWave(dataDir: string): void {
  // The folder also holds the runners' pid files, but nothing has made it yet on a fresh data dir.
  mkdirSync(runDir(dataDir), { recursive: true });
  writeFileSync(startWaveFile(dataDir), JSON.stringify({ pid: process.pid }));
}

/** Marks its end; also clears what a supervisor that died mid-wave left. */
export function endStartWave(dataDir: string): void {
  rmSync(startWaveFile(dataDir), { force: true });
}

/** Whether a wave is marked by a supervisor that is still alive. */
function waveOn(file: string): boolean {
  try {
    const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown };
    if (typeof pid !== 'number') return false;
    process.kill(pid, 0);
    return true;
  } catch {
    // No file, a torn or foreign one, or its supervisor is gone: no wave to wait for.
    return false;
  }
}

/** A wait for the end of the start wave. */
export interface StartWaveWait {
  /** Resolves when no wave is marked, after `maxMs` at the latest, or at `end()`. */
  readonly over: Promise<void>;
  /** Stops waiting now (a run was asked for: it must not wait for the other slots). */
  end(): void;
}

/**
 * Waits for the end of a start wave, if one is marked. A file event (inotify) ends the wait, not a poll;
 * `maxMs` bounds it whatever happens to the file.
 * @example const wave = startWaveOver(config.paths.data_dir, 30_000); await wave.over;
 */
export function startWaveOver(dataDir: string, maxMs: number): StartWaveWait {
  const file = startWaveFile(dataDir);
  let end = () => {};
  const over = new Promise<void>((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    end = () => {
      watcher?.close();
      clearTimeout(timer);
      resolve();
    };
    if (!existsSync(file)) return end();
    try {
      watcher = watch(runDir(dataDir), (_event, name) => {
        if (name === null || name === 'start-wave') {
          if (!existsSync(file)) end();
        }
      });
    } catch {
      // Nothing to watch with: the bound below ends the wait.
    }
    timer = setTimeout(end, maxMs);
    // Checked after the watch is set, so an end between the first look and the watch is not missed.
    if (!waveOn(file)) end();
  });
  return { over, end: () => end() };
}
