// The start wave (start-wave.ts): a runner's warm-up waits while a live supervisor marks one, and no longer
// than that: not past its end, its bound, a run asked for, or the death of the supervisor that marked it.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDir } from '../src/runner-files.ts';
import { beginStartWave, endStartWave, startWaveFile, startWaveOver } from '../src/start-wave.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'start-wave-'));
  mkdirSync(runDir(dataDir), { recursive: true });
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** Whether `p` has settled once pending callbacks and file events had a moment to run. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await Bun.sleep(50);
  return done;
}

test('without a wave the wait is over at once', async () => {
  expect(await settled(startWaveOver(dataDir, 60_000).over)).toBe(true);
});

test('a fresh data dir, without its run folder yet, can hold a wave', async () => {
  const fresh = join(dataDir, 'fresh');
  beginStartWave(fresh);
  const wave = startWaveOver(fresh, 60_000);
  expect(await settled(wave.over)).toBe(false);
  endStartWave(fresh);
  await wave.over;
});

test('a wave holds the wait until the supervisor ends it', async () => {
  beginStartWave(dataDir);
  const wave = startWaveOver(dataDir, 60_000);
  expect(await settled(wave.over)).toBe(false);
  endStartWave(dataDir);
  // The file's removal (a watch event) ends it, with no poll behind.
  await wave.over;
});

test('a run asked for ends the wait at once', async () => {
  beginStartWave(dataDir);
  const wave = startWaveOver(dataDir, 60_000);
  expect(await settled(wave.over)).toBe(false);
  wave.end();
  await wave.over;
  endStartWave(dataDir);
});

test('the wait is bounded', async () => {
  beginStartWave(dataDir);
  await startWaveOver(dataDir, 100).over;
  endStartWave(dataDir);
});

test('a wave left by a supervisor that is gone, or an unreadable file, holds nobody', async () => {
  const dead = Bun.spawn([process.execPath, '-e', '0']);
  await dead.exited;
  writeFileSync(startWaveFile(dataDir), JSON.stringify({ pid: dead.pid }));
  expect(await settled(startWaveOver(dataDir, 60_000).over)).toBe(true);
  writeFileSync(startWaveFile(dataDir), 'not json');
  expect(await settled(startWaveOver(dataDir, 60_000).over)).toBe(true);
});
