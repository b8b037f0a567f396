// Small React hooks shared by the screens: a ticking clock, one-click actions with their error, and
// REST data loaded on mount.
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from './api.ts';

/** The current time, refreshed every `ms` (elapsed times count up between events). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** A message for people from anything thrown: "CODE: message" for API errors. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Runs one action at a time and keeps its failure for display until the next run. */
export function useAction(): {
  busy: boolean;
  error: string | null;
  run(fn: () => Promise<unknown>): Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

/** Loads `fn()` when `key` changes; `reload` fetches again. */
export function useLoad<T>(
  key: string,
  fn: () => Promise<T>,
): { data: T | null; error: string | null; reload(): void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what `fn` loads; fn is a new closure each render.
  useEffect(() => {
    let alive = true;
    fn()
      .then((d) => {
        if (!alive) return;
        setData(d);
        setError(null);
      })
      .catch((err: unknown) => alive && setError(describeError(err)));
    return () => {
      alive = false;
    };
  }, [key, tick]);
  return { data, error, reload: useCallback(() => setTick((t) => t + 1), []) };
}
