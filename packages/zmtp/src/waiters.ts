/** FIFO of pending send()/receive() calls with optional timeouts, and the linger wait of close(). */
import { ZmtpError } from './errors.ts';
import { Queue } from './queue.ts';

interface Waiter<P, R> {
  payload: P;
  resolve(result: R): void;
  reject(error: ZmtpError): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  done: boolean;
}

/** Pending calls in arrival order; timed-out entries are skipped lazily. */
export class Waiters<P, R> {
  private readonly queue = new Queue<Waiter<P, R>>();
  private capturedResolve: ((result: R) => void) | undefined;
  private capturedReject: ((error: ZmtpError) => void) | undefined;
  // One executor for every promise: a closure per call was a third of what a pending receive() allocated.
  private readonly capture = (resolve: (result: R) => void, reject: (error: ZmtpError) => void): void => {
    this.capturedResolve = resolve;
    this.capturedReject = reject;
  };

  /** True when no live call is waiting. */
  get empty(): boolean {
    return this.peek() === undefined;
  }

  /** Adds a call; `timeoutMs` > 0 rejects it with TIMEOUT after that long. */
  add(payload: P, timeoutMs: number, what: string): Promise<R> {
    const promise = new Promise<R>(this.capture);
    const waiter: Waiter<P, R> = {
      payload,
      resolve: this.capturedResolve!,
      reject: this.capturedReject!,
      timer: undefined,
      done: false,
    };
    this.capturedResolve = this.capturedReject = undefined;
    if (timeoutMs > 0) armTimeout(waiter, timeoutMs, what);
    this.queue.push(waiter);
    return promise;
  }

  /** Payload of the oldest live call. */
  peek(): Waiter<P, R> | undefined {
    let head = this.queue.peek();
    while (head?.done === true) {
      this.queue.shift();
      head = this.queue.peek();
    }
    return head;
  }

  /** Resolves the oldest live call. */
  resolve(result: R): void {
    const waiter = this.peek();
    if (waiter === undefined) return;
    this.queue.shift();
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.resolve(result);
  }

  /** Rejects the oldest live call. */
  reject(error: ZmtpError): void {
    const waiter = this.peek();
    if (waiter === undefined) return;
    this.queue.shift();
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.reject(error);
  }

  /** Rejects every live call (socket closed). */
  rejectAll(error: () => ZmtpError): void {
    while (this.peek() !== undefined) this.reject(error());
  }
}

// Outside `add` on purpose: a closure inside it would make every call allocate its scope, timer or not.
function armTimeout<P, R>(waiter: Waiter<P, R>, timeoutMs: number, what: string): void {
  waiter.timer = setTimeout(() => {
    waiter.done = true;
    waiter.reject(new ZmtpError('TIMEOUT', `${what} timed out after ${timeoutMs} ms`));
  }, timeoutMs);
}

/**
 * Calls `finish` once `idle()` holds (checked whenever the returned function is called) or after
 * `timeoutMs`, whichever comes first, and only once.
 */
export function lingerUntil(timeoutMs: number, idle: () => boolean, finish: () => void): () => void {
  let finished = false;
  const end = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    finish();
  };
  const timer = setTimeout(end, timeoutMs);
  return () => {
    if (idle()) end();
  };
}
