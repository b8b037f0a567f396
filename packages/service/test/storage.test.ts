import { expect, test } from 'bun:test';
import { ManualClock } from '@station/time';
import { StorageGuard } from '../src/storage.ts';

const MB = 1024 * 1024;

test('a reading is reused for maxAgeMs on the guard clock, then the disk is read again (space freed shows)', () => {
  const clock = new ManualClock();
  let free = 0.5 * MB;
  let reads = 0;
  const guard = new StorageGuard({
    path: '/data',
    minFreeBytes: MB,
    warnFreeBytes: 2 * MB,
    maxAgeMs: 500,
    statfs: () => {
      reads++;
      return { freeBytes: free, totalBytes: 100 * MB };
    },
    clock,
  });
  expect(guard.state().level).toBe('low');
  free = 50 * MB; // an operator cleared the disk
  clock.advance(499);
  expect([guard.state().level, reads]).toEqual(['low', 1]);
  clock.advance(1);
  expect([guard.state().level, reads]).toEqual(['ok', 2]);
});
