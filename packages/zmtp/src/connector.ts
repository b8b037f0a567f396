/**
 * The connect side of one endpoint: dials in the background and redials after a failure or a lost
 * connection, waiting `reconnectInterval` (doubling up to `reconnectMaxInterval` while dials fail).
 */
import type { Connection } from './connection.ts';
import type { Address } from './endpoint.ts';
import type { SocketEvents } from './events.ts';
import type { Pipe } from './pipe.ts';
import { dial } from './transports/index.ts';
import type { OnOpen } from './transports/transport.ts';

/** Reconnect timing. */
export interface ReconnectOptions {
  reconnectInterval: number;
  reconnectMaxInterval: number;
}

/** Keeps one connect endpoint connected for as long as it is not stopped. */
export class Connector {
  /** The live (possibly still handshaking) connection. */
  connection: Connection | undefined;
  stopped = false;
  private interval: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly address: Address,
    /** The pipe that outlives reconnects. */
    readonly pipe: Pipe,
    private readonly options: ReconnectOptions,
    private readonly events: SocketEvents,
    private readonly onOpen: OnOpen,
  ) {
    this.interval = options.reconnectInterval;
  }

  /** Dials now. */
  start(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const dialing = dial(this.address, this.onOpen);
    dialing.catch(() => this.retry(true));
  }

  /** The handshake completed: the next outage starts again from the base interval. */
  succeeded(): void {
    this.interval = this.options.reconnectInterval;
  }

  /** Schedules the next dial; `failed` (no handshake reached) grows the backoff. */
  retry(failed: boolean): void {
    if (this.stopped || this.timer !== undefined) return;
    const { reconnectInterval, reconnectMaxInterval } = this.options;
    const interval = this.interval;
    if (failed && reconnectMaxInterval > reconnectInterval) {
      this.interval = Math.min(interval * 2, reconnectMaxInterval);
    }
    this.events.emit({ type: 'connect-retried', endpoint: this.address.endpoint, interval });
    this.timer = setTimeout(() => this.start(), interval);
  }

  /** Stops dialing and closes the live connection. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.connection?.close();
  }
}
