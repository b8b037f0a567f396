/** Socket options (the contract in the README) and their defaults, mirroring libzmq's where sensible. */
import { type CurveOptions, resolveSecurity, type Security } from './security.ts';

/** Options every socket type accepts. */
export interface SocketOptions {
  /** Sent as `Identity` in READY; a ROUTER peer uses it as our routing id. */
  routingId?: Uint8Array | string;
  /** Messages queued per peer before DEALER/PUSH/REQ sends wait and PUB drops (default 1000; 0 = none). */
  sendHighWaterMark?: number;
  /** Messages queued per peer before we stop reading from it (default 1000; 0 = none). */
  receiveHighWaterMark?: number;
  /** Delay before reconnecting, ms (default 100). */
  reconnectInterval?: number;
  /** Upper bound of the doubling reconnect delay, ms; 0 keeps the interval fixed (default 0). */
  reconnectMaxInterval?: number;
  /** PING period, ms; 0 disables heartbeats (default 0). */
  heartbeatInterval?: number;
  /** Silence after a PING that drops the peer, ms (default = heartbeatInterval). */
  heartbeatTimeout?: number;
  /** TTL announced in our PINGs, ms (default 0 = none). */
  heartbeatTimeToLive?: number;
  /** Largest inbound message in bytes; a bigger one drops the connection (default -1 = unlimited). */
  maxMessageSize?: number;
  /** How long close() keeps flushing queued messages, ms (default 0: drop them). */
  linger?: number;
  /** How long send() waits for room, ms; -1 waits forever (default -1). */
  sendTimeout?: number;
  /** How long receive() waits, ms; -1 waits forever (default -1). */
  receiveTimeout?: number;
  /** A connection without a completed ZMTP handshake after this long is dropped, ms; 0 = never (default 30000, as libzmq). */
  handshakeTimeout?: number;
  /** CURVE security (RFC 26) as server or client for every endpoint (default: NULL, no security). */
  curve?: CurveOptions;
  /**
   * Messages sent to a peer in the same event-loop turn go out in one write at the end of the turn
   * (setImmediate: no timer, nothing waits for a later message) instead of one write each (default false).
   * For a publisher whose burst of events should reach a reader in one read: the reader then handles
   * the burst at once instead of acting on its first message alone.
   * `'burst'`: the messages sent in one run of synchronous code go out in one write as soon as it yields
   * (a microtask, queued by the first of them): never held past the code that sent them, even when the
   * turn itself goes on (a sequence run whose steps follow each other in promise callbacks), so a
   * process's events are not delayed, only gathered (a runner's `step_start` and `sequence_status`).
   */
  coalesce?: boolean | 'burst';
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  routingId: Buffer | undefined;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  reconnectInterval: number;
  reconnectMaxInterval: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
  maxMessageSize: number;
  linger: number;
  sendTimeout: number;
  receiveTimeout: number;
  handshakeTimeout: number;
  security: Security;
  /** When held messages are written: never held (false), at the end of the turn, or after the burst. */
  coalesce: false | 'turn' | 'burst';
}

const hwm = (value: number | undefined): number =>
  value === undefined ? 1000 : value <= 0 ? Number.POSITIVE_INFINITY : value;

/** Fills in defaults. */
export function resolveOptions(options: SocketOptions = {}): ResolvedOptions {
  const heartbeatInterval = options.heartbeatInterval ?? 0;
  return {
    routingId:
      options.routingId === undefined
        ? undefined
        : typeof options.routingId === 'string'
          ? Buffer.from(options.routingId)
          : Buffer.from(options.routingId),
    sendHighWaterMark: hwm(options.sendHighWaterMark),
    receiveHighWaterMark: hwm(options.receiveHighWaterMark),
    reconnectInterval: options.reconnectInterval ?? 100,
    reconnectMaxInterval: options.reconnectMaxInterval ?? 0,
    heartbeatInterval,
    heartbeatTimeout: options.heartbeatTimeout ?? heartbeatInterval,
    heartbeatTimeToLive: options.heartbeatTimeToLive ?? 0,
    maxMessageSize: options.maxMessageSize ?? -1,
    linger: options.linger ?? 0,
    sendTimeout: options.sendTimeout ?? -1,
    receiveTimeout: options.receiveTimeout ?? -1,
    handshakeTimeout: options.handshakeTimeout ?? 30_000,
    security: resolveSecurity(options.curve),
    coalesce: options.coalesce === true ? 'turn' : (options.coalesce ?? false),
  };
}
