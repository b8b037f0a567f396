// The heartbeat loop on a ManualClock: which silence makes a runner hung, counted in periods the test moves
// by hand, not in milliseconds a loaded machine stretches.
import { expect, test } from 'bun:test';
import type { RunnerStatus } from '@station/model';
import { ManualClock } from '@station/time';
import { heartbeat } from '../src/heartbeat.ts';
import type { LinkResult, RunnerLink } from '../src/types.ts';

const PID = 4242;
const TIMINGS = { heartbeatMs: 1_000, heartbeatTimeoutMs: 500, heartbeatMisses: 3 };
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A link whose `status` answer the test sets; every ask is counted. */
function link(answer: () => LinkResult<RunnerStatus>) {
  const asks: number[] = [];
  const clock = new ManualClock();
  const runnerLink: RunnerLink = {
    status: async () => {
      asks.push(clock.now());
      return answer();
    },
    health: async () => ({ ok: false, brokerDown: false, message: 'unused' }),
    shutdown: async () => ({ ok: false, brokerDown: false, message: 'unused' }),
  };
  return { asks, clock, runnerLink };
}

const silent: LinkResult<RunnerStatus> = { ok: false, brokerDown: false, message: 'TIMEOUT: no reply' };
const status: LinkResult<RunnerStatus> = {
  ok: true,
  value: { batchId: 'b1', pid: PID, state: 'ready', manualCommands: [], manualBusy: false },
};

test('a runner silent for `heartbeatMisses` periods in a row is hung, asked once per period', async () => {
  const { asks, clock, runnerLink } = link(() => silent);
  const hung: string[] = [];
  const done = heartbeat('b1', PID, runnerLink, TIMINGS, clock, {
    live: () => hung.length === 0,
    onStatus: () => {},
    onHung: (reason) => hung.push(reason),
  });
  const t0 = clock.now();
  for (let period = 1; period < TIMINGS.heartbeatMisses; period++) {
    await settle();
    expect(hung).toEqual([]);
    clock.advance(TIMINGS.heartbeatMs);
  }
  await done;
  expect(asks).toEqual([t0, t0 + 1_000, t0 + 2_000]);
  expect(hung).toEqual(['no heartbeat answer for 3 periods of 1000 ms (TIMEOUT: no reply)']);
});

test('one answer resets the count, and silence while the broker is down is not counted', async () => {
  const answers: LinkResult<RunnerStatus>[] = [
    silent,
    silent,
    status, // resets
    { ok: false, brokerDown: true, message: 'broker not reachable' },
    { ok: false, brokerDown: true, message: 'broker not reachable' },
    { ok: false, brokerDown: true, message: 'broker not reachable' },
    silent,
    silent,
  ];
  const { asks, clock, runnerLink } = link(() => answers[asks.length - 1] ?? silent);
  const hung: string[] = [];
  const statuses: RunnerStatus[] = [];
  const done = heartbeat('b1', PID, runnerLink, TIMINGS, clock, {
    live: () => hung.length === 0,
    onStatus: (s) => statuses.push(s),
    onHung: (reason) => hung.push(reason),
  });
  for (let period = 1; period < answers.length; period++) {
    await settle();
    clock.advance(TIMINGS.heartbeatMs);
  }
  await settle();
  expect(asks).toHaveLength(answers.length);
  expect(statuses).toHaveLength(1);
  expect(hung).toEqual([]); // two misses, an answer, three excused, two misses: never three in a row yet
  clock.advance(TIMINGS.heartbeatMs); // the third silent period in a row
  await done;
  expect(hung).toEqual(['no heartbeat answer for 3 periods of 1000 ms (TIMEOUT: no reply)']);
});

test('during a cold-start wave the first beat waits for its end, then beats every period', async () => {
  const { asks, clock, runnerLink } = link(() => status);
  let waveOver = () => {};
  const after = new Promise<void>((resolve) => {
    waveOver = resolve;
  });
  let live = true;
  const done = heartbeat('b1', PID, runnerLink, TIMINGS, clock, {
    after,
    live: () => live,
    onStatus: () => {},
    onHung: () => {},
  });
  clock.advance(5 * TIMINGS.heartbeatMs);
  await settle();
  expect(asks).toEqual([]);
  const t0 = clock.now();
  waveOver();
  await settle();
  expect(asks).toEqual([t0]);
  clock.advance(TIMINGS.heartbeatMs);
  await settle();
  expect(asks).toEqual([t0, t0 + 1_000]);
  live = false;
  clock.advance(TIMINGS.heartbeatMs);
  await done;
});
