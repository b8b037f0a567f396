// A limit on how many runners start at once. A runner spends most of its start loading modules on the
// CPU; fifty of them spawned together on a 2-core station starve each other past any start timeout,
// while queued they each start in a fraction of a second, one after another.

/** A counting semaphore; waiters are served in arrival order. */
export class Gate {
  readonly #limit: number;
  #held = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit));
  }

  /** Starts waiting now, resolves with `release` once a slot is free; call it exactly once. */
  async acquire(): Promise<() => void> {
    if (this.#held >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot jump the queue.
      if (next) next();
      else this.#held--;
    };
  }

  /** Slots in use and starts waiting for one. */
  get load(): { held: number; waiting: number } {
    return { held: this.#held, waiting: this.#waiting.length };
  }
}
