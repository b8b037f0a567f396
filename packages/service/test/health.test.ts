import { expect, test } from 'bun:test';
import { droppedLogLines } from '@station/log';
import { ManualClock } from '@station/time';
import { healthHandler } from '../src/health.ts';

test('health names the service and its pid, and counts uptime on its clock from the start', () => {
  const clock = new ManualClock();
  const health = healthHandler('runner.batch_1', clock, clock.now() - 500);
  expect(health()).toEqual({
    service: 'runner.batch_1',
    pid: process.pid,
    uptime: 0.5,
    logLinesDropped: droppedLogLines(),
  });
  clock.advance(90_000);
  expect(health()).toMatchObject({ uptime: 90.5 });
});

test('without a start, uptime counts from when the handler was made', () => {
  const clock = new ManualClock();
  const health = healthHandler('sync', clock);
  clock.advance(1_250);
  expect(health().uptime).toBe(1.25);
});
