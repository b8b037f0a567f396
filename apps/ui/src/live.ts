// The one WebSocket to the gateway: subscribes to every batch, folds events into a store React reads
// with useSyncExternalStore, and reconnects with capped exponential backoff when the link drops. A link
// can also die without closing (a cable pulled, a switch rebooted: TCP says open, nothing arrives), so
// the page pings every second and counts the link lost when the gateway has said nothing for 3.5 s.
import { backoffDelay } from '@station/time/backoff';
import { useSyncExternalStore } from 'react';
import { apiKey } from './api.ts';
import { parseServerMessage } from './messages.ts';
import { emptyState, reduce, type StationState } from './state.ts';

/** `connecting` before the first snapshot, `live` once subscribed, `reconnecting` after a drop. */
export type LinkState = 'connecting' | 'live' | 'reconnecting';

export interface LiveSnapshot {
  link: LinkState;
  /** Seconds until the next reconnect attempt (while reconnecting). */
  retryIn: number;
  station: StationState;
}

/** How often the page pings the gateway, and how long a silence means a dead link (both ms). */
export const HEARTBEAT = { pingEveryMs: 1000, lostAfterMs: 3500 } as const;

/**
 * Whether a link last heard from at `lastHeard` is dead at `now`: the gateway answers every ping within
 * `pingEveryMs`, so a silence of `lostAfterMs` is three unanswered pings. A connection still being set
 * up gets the same time to answer its subscription.
 */
export function linkSilent(
  lastHeard: number,
  now: number,
  lostAfterMs: number = HEARTBEAT.lostAfterMs,
): boolean {
  return now - lastHeard >= lostAfterMs;
}

/**
 * Delay before reconnect attempt `n` (0-based): the station's one backoff, from 0.5 s doubling to a 10 s
 * ceiling, drawn between the base and that ceiling so that many pages do not reconnect in step after a
 * gateway restart.
 */
export function backoffMs(n: number, random = Math.random): number {
  return backoffDelay(n, { baseMs: 500, capMs: 10_000, jitter: 'full' }, random);
}

class LiveLink {
  private snap: LiveSnapshot = { link: 'connecting', retryIn: 0, station: emptyState };
  private readonly listeners = new Set<() => void>();
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** When the gateway last said anything on the current socket (performance.now()). */
  private lastHeard = 0;
  private started = false;

  readonly subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    if (!this.started) this.connect();
    return () => this.listeners.delete(fn);
  };

  readonly get = () => this.snap;

  /** Applies a local change (REST data that arrived outside the socket). */
  update(fn: (s: StationState) => StationState): void {
    this.set({ station: fn(this.snap.station) });
  }

  /** Drops the socket as a network fault would (tests and the key prompt use it to reconnect). */
  reconnectNow(): void {
    this.attempt = 0;
    this.ws?.close();
  }

  private set(patch: Partial<LiveSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const fn of this.listeners) fn();
  }

  private connect(): void {
    this.started = true;
    clearTimeout(this.timer);
    const key = apiKey();
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/ws${key ? `?api_key=${encodeURIComponent(key)}` : ''}`;
    const ws = new WebSocket(url);
    this.ws = ws;
    this.lastHeard = performance.now();
    let pinged = 0;
    clearInterval(this.heartbeat);
    // Looked at twice a ping interval, so a silence is noticed at most half an interval late.
    this.heartbeat = setInterval(() => {
      if (this.ws !== ws) return;
      const now = performance.now();
      if (linkSilent(this.lastHeard, now)) {
        this.lost(ws);
        return;
      }
      if (ws.readyState === WebSocket.OPEN && now - pinged >= HEARTBEAT.pingEveryMs) {
        pinged = now;
        ws.send(JSON.stringify({ type: 'ping' }));
      }
    }, HEARTBEAT.pingEveryMs / 2);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'subscribe', batch_ids: ['*'] }));
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      this.lastHeard = performance.now();
      const parsed = parseServerMessage(String(e.data));
      if (!parsed.ok) {
        // A gateway and a page of different versions disagree: say so where a developer looks.
        console.warn(`station: dropped a WebSocket message (${parsed.reason})`);
        return;
      }
      const msg = parsed.message;
      if (msg.type === 'subscribed') {
        this.attempt = 0;
        this.set({ link: 'live', retryIn: 0 });
        return;
      }
      if (msg.type === 'pong') return;
      this.set({ station: reduce(this.snap.station, msg) });
    };
    ws.onclose = () => this.lost(ws);
  }

  /** The socket closed, or went silent: it is dropped (never to be read again) and a new one is tried. */
  private lost(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.ws = null;
    clearInterval(this.heartbeat);
    // A silent socket may take a long time to close by itself; nothing it still says counts.
    ws.onmessage = null;
    ws.onclose = null;
    ws.close();
    const delay = backoffMs(this.attempt++);
    this.set({ link: 'reconnecting', retryIn: Math.ceil(delay / 1000) });
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

/** The page's single live link. */
export const live = new LiveLink();

/** The live station picture; re-renders on every event. */
export function useLive(): LiveSnapshot {
  return useSyncExternalStore(live.subscribe, live.get);
}
