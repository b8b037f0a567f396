// The orphan timeout on an injected clock: silence from the supervisor for the timeout makes the runner an
// orphan once; a supervisor heard again takes it back.
import { describe, expect, test } from 'bun:test';
import { OrphanWatch } from '../src/orphan.ts';

function watch(timeoutMs: number) {
  let now = 1_000;
  const said: string[] = [];
  const w = new OrphanWatch({
    timeoutMs,
    clock: { now: () => now },
    onOrphaned: (away) => said.push(`orphaned after ${away}`),
    onBack: () => said.push('back'),
  });
  return {
    w,
    said,
    advance(ms: number) {
      now += ms;
      w.check();
    },
  };
}

describe('orphan timeout', () => {
  test('heartbeats keep the runner supervised; silence for the timeout orphans it, once', () => {
    const { w, said, advance } = watch(5_000);
    for (let i = 0; i < 10; i++) {
      advance(1_000);
      w.contact();
    }
    expect(said).toEqual([]);
    advance(4_999);
    expect(w.orphaned).toBe(false);
    advance(1);
    advance(10_000);
    expect(said).toEqual(['orphaned after 5000']);
    expect(w.orphaned).toBe(true);
  });

  test('a supervisor heard again takes the runner back, and the timeout starts over', () => {
    const { w, said, advance } = watch(2_000);
    advance(2_000);
    w.contact();
    expect(said).toEqual(['orphaned after 2000', 'back']);
    expect(w.orphaned).toBe(false);
    advance(1_999);
    expect(said).toHaveLength(2);
    advance(1);
    expect(said.at(-1)).toBe('orphaned after 2000');
  });
});
