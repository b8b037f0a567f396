// A fixed number of workers taking items in order: bounded concurrency that keeps oldest-first dispatch.

/**
 * Runs `work` on every item with at most `limit` running at once; items start in array order. Resolves
 * when all have settled; `work` must not throw (the drain loop turns every failure into an outcome).
 */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
