// Oldest-first dispatch under a pacer: as many deliveries in flight as its window allows, none once it
// closes (a setback mid-batch leaves the rest of the batch unsent, to be released and sent after the pause).
import type { Pacer } from './pacer.ts';

/**
 * Runs `work` on the items in array order while `pacer` is open, with at most `pacer.window` running at
 * once (re-read as each finishes, so the window can grow or shrink mid-batch). Resolves once nothing runs
 * with the items never started. `work` must not throw (the drain loop turns every failure into
 * an outcome).
 */
export function forEachPaced<T>(
  items: readonly T[],
  pacer: Pacer,
  now: () => number,
  work: (item: T) => Promise<unknown>,
): Promise<T[]> {
  const { promise, resolve } = Promise.withResolvers<T[]>();
  let next = 0;
  let active = 0;
  const pump = (): void => {
    while (next < items.length && active < pacer.window && pacer.open(now())) {
      const item = items[next++] as T;
      active += 1;
      const done = () => {
        active -= 1;
        pump();
      };
      work(item).then(done, done);
    }
    if (active === 0) resolve(items.slice(next));
  };
  pump();
  return promise;
}
