import { expect, test } from 'bun:test';
import { Queue } from '../src/queue.ts';

test('queue keeps FIFO order across wrap-around and growth', () => {
  const queue = new Queue<number>();
  const out: number[] = [];
  let next = 0;
  // Interleave pushes and shifts so the head wraps before the ring has to grow.
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 10 + round * 7; i++) queue.push(next++);
    for (let i = 0; i < 6; i++) out.push(queue.shift()!);
  }
  while (queue.length > 0) out.push(queue.shift()!);
  expect({ out, empty: queue.shift(), peek: queue.peek() }).toEqual({
    out: Array.from({ length: next }, (_, i) => i),
    empty: undefined,
    peek: undefined,
  });
});
