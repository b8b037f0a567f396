// The station's health, polled once for the whole page: the station bar shows it, and every batch card
// shows the disk warning from it. One poll, shared by every component that asks.
import { useEffect, useSyncExternalStore } from 'react';
import { api } from './api.ts';
import type { HealthStatus } from './types.ts';

const HEALTH_POLL_MS = 5000;

let current: HealthStatus | null = null;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

/** Asks for the health now (and notifies every component using it). */
export function refreshHealth(): void {
  api<HealthStatus>('GET', '/system/health')
    .then((h) => set(h))
    .catch(() => set(null));
}

function set(h: HealthStatus | null): void {
  current = h;
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    refreshHealth();
    timer = setInterval(refreshHealth, HEALTH_POLL_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The last health answer (null until the first, or when the gateway does not answer). */
export function useHealth(): HealthStatus | null {
  const h = useSyncExternalStore(subscribe, () => current);
  // Mounting a screen refreshes at once rather than showing a reading up to 5 s old.
  useEffect(() => refreshHealth(), []);
  return h;
}
