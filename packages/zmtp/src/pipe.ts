/**
 * A pipe is the socket's view of one peer: outbound and inbound message queues bounded by the
 * high-water marks. A connect-side pipe outlives its connections, so messages queued while the peer is
 * away are delivered after reconnect, as libzmq does.
 */
import type { Connection } from './connection.ts';
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
  readonly outbound = new Queue<readonly Uint8Array[]>();
  readonly inbound = new Queue<Buffer[]>();

  constructor(
    /** Endpoint this pipe belongs to (connect endpoint, or the peer address for accepted ones). */
    readonly endpoint: string,
    /** True for connect-side pipes that survive reconnects. */
    readonly persistent: boolean,
    private readonly sendHighWaterMark: number,
    private readonly receiveHighWaterMark: number,
  ) {}

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
   * Queues or sends a message; callers check `writable` first. `encoded` is the same message already
   * framed, so a publisher encodes once for all its subscribers.
   */
  write(frames: readonly Uint8Array[], encoded?: Buffer): void {
    const connection = this.connection;
    if (connection !== undefined && this.outbound.length === 0 && connection.active && !connection.blocked) {
      if (encoded === undefined) connection.send(frames);
      else connection.sendEncoded(encoded);
      return;
    }
    this.outbound.push(frames);
    Pipe.pressure++;
  }

  /** Moves queued messages to the connection until it pushes back. */
  flush(): void {
    const connection = this.connection;
    if (connection === undefined) return;
    while (this.outbound.length > 0 && connection.active && !connection.blocked) {
      if (this.outbound.length === 1) {
        connection.send(this.outbound.shift()!);
        return;
      }
      const batch: (readonly Uint8Array[])[] = [];
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
