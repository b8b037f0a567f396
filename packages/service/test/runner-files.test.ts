import { afterEach, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExitFile, writeExitFile } from '../src/runner-files.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function station(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runner-files-'));
  made.push(dir);
  return dir;
}

const exit = {
  batchId: 'slot_1',
  pid: 4242,
  startTime: '123456',
  reason: 'SIGTERM',
  code: 0,
  at: '2026-12-02T17:00:00.000Z',
};

test('the exit reason is left in <data_dir>/run and read back by the same identity only', () => {
  const dataDir = station();
  writeExitFile(dataDir, exit);
  expect(existsSync(join(dataDir, 'run/runner-slot_1.exit'))).toBe(true);
  expect(readExitFile(dataDir, { batchId: 'slot_1', pid: 4242, startTime: '123456' })).toEqual(exit);
  // A reused pid (another start time) is not this process.
  expect(readExitFile(dataDir, { batchId: 'slot_1', pid: 4242, startTime: '999' })).toBeUndefined();
});

test('a runner ending after its data folder was deleted leaves nothing behind', () => {
  const root = station();
  const dataDir = join(root, 'data');
  rmSync(root, { recursive: true, force: true });
  writeExitFile(dataDir, exit);
  expect(existsSync(root)).toBe(false);
});
