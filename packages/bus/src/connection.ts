// Tracks whether a connecting socket currently has a live, handshaken link to the broker.
import type { Dealer } from '@station/zmtp';

/**
 * ZeroMQ hides connection state; the bus needs it so that a request never waits on a broker that is not
 * there. Follows the socket's events: `handshake` = up, `disconnected`/`closed` = down.
 */
export class LinkState {
  #up = false;
  #waiters = new Set<() => void>();
  #onDown = new Set<() => void>();
  #onUp = new Set<() => void>();

  constructor(socket: Dealer) {
    socket.events.on('handshake', () => this.#set(true));
    socket.events.on('disconnected', () => this.#set(false));
    socket.events.on('closed', () => this.#set(false));
  }

  get up(): boolean {
    return this.#up;
  }

  /** Calls `fn` whenever the link comes up (after every (re)connect). */
  onUp(fn: () => void): void {
    this.#onUp.add(fn);
  }

  /** Calls `fn` whenever the link goes down. */
  onDown(fn: () => void): void {
    this.#onDown.add(fn);
  }

  /** Resolves true once the link is up, false if `ms` passes first. */
  waitUp(ms: number): Promise<boolean> {
    if (this.#up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(this.#up);
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#waiters.add(done);
    });
  }

  #set(up: boolean): void {
    if (this.#up === up) return;
    this.#up = up;
    if (up) {
      for (const fn of this.#onUp) fn();
      for (const w of [...this.#waiters]) w();
    } else {
      for (const fn of this.#onDown) fn();
    }
  }
}
