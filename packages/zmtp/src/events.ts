/** Socket lifecycle events, for logging and tests: a listener API and an async iterator. */
import type { ZmtpError } from './errors.ts';
import { Queue } from './queue.ts';

/** One lifecycle event of a socket. */
export type SocketEvent =
  | { type: 'connected' | 'accepted'; endpoint: string; peer?: string }
  /** `publicKey`: the peer's long-term CURVE key (Z85) on a CURVE endpoint. */
  | { type: 'handshake'; endpoint: string; peer?: string; publicKey?: string }
  | { type: 'disconnected' | 'closed'; endpoint: string; reason?: string }
  | { type: 'handshake-failed'; endpoint: string; error: ZmtpError }
  | { type: 'connect-retried'; endpoint: string; interval: number }
  | { type: 'listening'; endpoint: string };

/** The event names. */
export type SocketEventType = SocketEvent['type'];

/** The event shape of one event name. */
export type EventOf<T extends SocketEventType> = SocketEvent extends infer E
  ? E extends { type: infer U }
    ? T extends U
      ? E & { type: T }
      : never
    : never
  : never;

type Listener = (event: SocketEvent) => void;

/** Events of one socket; iteration ends when the socket closes. Events are only buffered for iterators. */
export class SocketEvents implements AsyncIterable<SocketEvent> {
  private readonly listeners = new Map<SocketEventType | '*', Set<Listener>>();
  private readonly iterators = new Set<IteratorState>();
  private ended = false;

  /** Calls `fn` for each event of `type` (or every event for '*'); returns an unsubscribe function. */
  on<T extends SocketEventType | '*'>(
    type: T,
    fn: (event: T extends SocketEventType ? EventOf<T> : SocketEvent) => void,
  ): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(type, set);
    }
    const listener = fn as Listener;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Internal: publish an event. */
  emit(event: SocketEvent): void {
    if (this.ended) return;
    for (const key of [event.type, '*'] as const) {
      const set = this.listeners.get(key);
      if (set === undefined) continue;
      for (const fn of set) {
        try {
          fn(event);
        } catch {
          // A faulty listener must not break the socket.
        }
      }
    }
    for (const state of this.iterators) {
      const waiter = state.waiters.shift();
      if (waiter !== undefined) waiter({ value: event, done: false });
      else state.buffer.push(event);
    }
  }

  /** Internal: end all iterators (socket closed). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const state of this.iterators) {
      for (let waiter = state.waiters.shift(); waiter !== undefined; waiter = state.waiters.shift()) {
        waiter({ value: undefined, done: true });
      }
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<SocketEvent> {
    const state: IteratorState = { buffer: new Queue(), waiters: new Queue() };
    this.iterators.add(state);
    return {
      next: () => {
        const event = state.buffer.shift();
        if (event !== undefined) return Promise.resolve({ value: event, done: false });
        if (this.ended) {
          this.iterators.delete(state);
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve) => state.waiters.push(resolve));
      },
      return: () => {
        this.iterators.delete(state);
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

interface IteratorState {
  buffer: Queue<SocketEvent>;
  waiters: Queue<(result: IteratorResult<SocketEvent>) => void>;
}
