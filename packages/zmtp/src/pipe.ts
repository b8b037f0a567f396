/**
 * A pipe is the socket's view of one peer: outbound and inbound message queues bounded by the
 * high-water marks. A connect-side pipe outlives its connections, so messages queued while the peer is
 * away are delivered after reconnect, as libzmq does.
 */
import type { Connection } from './connection.ts';
import { NO_FRAMES } from './frame.ts';
import { Queue } from './queue.ts';

let nextPipeId = 1;

/** Largest number of queued messages handed to the kernel in one write when draining. */
const FLUSH_BATCH = 256;

/** One peer of a socket. */
export class Pipe {
  /**
   * Counts writes that had to queue (kernel buffer full) or were dropped at the high-water mark, across
   * all pipes. send() then yields one event-loop turn so drains can run, much as libzmq's I/O thread
   * drains concurrently; otherwise a tight `await send()` loop would starve its own socket.
   */
  static pressure = 0;

  readonly id = nextPipeId++;
  /** The live connection, undefined while a connect-side pipe waits to (re)connect. */
  connection: Connection | undefined;
  /** ROUTER routing id of the peer. */
  routingId: Buffer | undefined;
  /** Set once the socket dropped the pipe; late writes are ignored. */
  detached = false;
  readonly outbound = new Queue<readonly Buffer[]>();
  readonly inbound = new Queue<Buffer[]>();

  constructor(
    /** Endpoint this pipe belongs to (connect endpoint, or the peer address for accepted ones). */
    readonly endpoint: string,
    /** True for connect-side pipes that survive reconnects. */
    readonly persistent: boolean,
    private readonly sendHighWaterMark: number,
    private readonly receiveHighWaterMark: number,
    /** Messages written in one turn, or one burst, go out in one write at its end (`coalesce` option). */
    private readonly coalesce: false | 'turn' | 'burst' = false,
  ) {}

  /** True while a flush at the end of this turn or burst is due (`coalesce`). */
  #flushDue = false;

  /** True when one more message fits under the send high-water mark. */
  get writable(): boolean {
    if (this.outbound.length < this.sendHighWaterMark) return !this.detached;
    Pipe.pressure++;
    return false;
  }

  /** True while the connection is handshaken. */
  get connected(): boolean {
    return this.connection?.active === true;
  }

  /**
   * Sends `envelope` followed by `frames[from..]`, or queues a copy of that frame list when the peer
   * cannot take it now; callers check `writable` first. The arrays are not kept, so a caller may pass
   * one it reuses (the frames themselves are never copied).
   */
  write(frames: readonly Buffer[], from = 0, envelope: readonly Buffer[] = NO_FRAMES): void {
    const connection = this.connection;
    if (
      !this.coalesce &&
      connection !== undefined &&
      this.outbound.length === 0 &&
      connection.active &&
      !connection.blocked
    ) {
      connection.send(frames, from, envelope);
      return;
    }
    const kept = new Array<Buffer>(envelope.length + frames.length - from);
    for (let i = 0; i < envelope.length; i++) kept[i] = envelope[i]!;
    for (let i = from; i < frames.length; i++) kept[envelope.length + i - from] = frames[i]!;
    this.queue(kept);
  }

  /**
   * Sends the message `framer` holds, which is `frames` (a publisher frames once for every peer; a CURVE
   * peer boxes `frames` itself); false when the peer
   * cannot take it now, and the caller must `queue` the frames instead.
   */
  writeFramed(frames: readonly Buffer[]): boolean {
    const connection = this.connection;
    if (
      this.coalesce ||
      connection === undefined ||
      this.outbound.length > 0 ||
      !connection.active ||
      connection.blocked
    ) {
      return false;
    }
    connection.sendFramed(frames);
    return true;
  }

  /** Queues a message (a frame list nobody else changes) until the peer can take it. */
  queue(frames: readonly Buffer[]): void {
    this.outbound.push(frames);
    const connection = this.connection;
    if (this.coalesce && connection?.active === true && !connection.blocked) {
      // Held only until the end of the turn, not for want of room: no pressure, so send() does not yield
      // a turn (which would put the next message of the burst in a turn of its own).
      if (this.outbound.length >= FLUSH_BATCH) this.flush();
      else this.#flushLater();
      return;
    }
    Pipe.pressure++;
  }

  #flushLater(): void {
    if (this.#flushDue) return;
    this.#flushDue = true;
    (this.coalesce === 'burst' ? queueMicrotask : setImmediate)(this.#flushDueNow);
  }

  readonly #flushDueNow = (): void => {
    this.#flushDue = false;
    if (!this.detached) this.flush();
  };

  /** Moves queued messages to the connection until it pushes back. */
  flush(): void {
    const connection = this.connection;
    if (connection === undefined) return;
    while (this.outbound.length > 0 && connection.active && !connection.blocked) {
      if (this.outbound.length === 1) {
        connection.send(this.outbound.shift()!);
        return;
      }
      const batch: (readonly Buffer[])[] = [];
      while (batch.length < FLUSH_BATCH && this.outbound.length > 0) batch.push(this.outbound.shift()!);
      connection.sendBatch(batch);
    }
  }

  /** True when the inbound queue reached the receive high-water mark. */
  get inboundFull(): boolean {
    return this.inbound.length >= this.receiveHighWaterMark;
  }

  /**
   * True once the inbound queue drained to half the mark: reading resumes only then, so a consumer
   * running at the mark does not toggle the socket's readability on every message (libzmq's low-water).
   */
  get inboundLow(): boolean {
    return this.inbound.length <= this.receiveHighWaterMark / 2;
  }

  /** Nothing left to write: used by linger. */
  get idle(): boolean {
    return this.outbound.length === 0 && this.connection?.blocked !== true;
  }
}
