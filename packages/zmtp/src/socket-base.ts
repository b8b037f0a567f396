/**
 * The socket base every socket type builds on: endpoints (bind/connect/reconnect), pipes, send and
 * receive queues with high-water marks and timeouts, linger and events. Socket types plug in through
 * the `attach`/`ready`/`interrupted`/`detach`/`incoming`/`trySend`/`nextMessage` hooks.
 */
import { Connection, type ConnectionConfig, type ConnectionOwner } from './connection.ts';
import { Connector } from './connector.ts';
import { parseEndpoint } from './endpoint.ts';
import { asZmtpError, ZmtpError } from './errors.ts';
import { SocketEvents } from './events.ts';
import { type Frame, framesView, type Message, messageIterator, toFrames } from './message.ts';
import { type ResolvedOptions, resolveOptions, type SocketOptions } from './options.ts';
import { Pipe } from './pipe.ts';
import type { SocketType } from './protocol.ts';
import { FairQueue } from './routing/fair-queue.ts';
import { type EndpointOptions, resolveSecurity } from './security.ts';
import { listen } from './transports/index.ts';
import type { Listener, OnOpen } from './transports/transport.ts';
import { lingerUntil, Waiters } from './waiters.ts';

export type { Frame, Message } from './message.ts';

interface Bound {
  listener: Listener | undefined;
  readonly connections: Set<Connection>;
}

/** Which endpoint a connection belongs to (stored in `connection.tag`). */
interface Link {
  pipe: Pipe | undefined;
  connector: Connector | undefined;
  bound: Bound | undefined;
}

const RESOLVED = Promise.resolve();
const EMPTY = Buffer.alloc(0);
/** Resolves after pending I/O callbacks ran (setImmediate runs after the poll phase). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const closedError = () => new ZmtpError('CLOSED', 'socket is closed');

/** Shared machinery of all socket types. */
export abstract class Socket implements AsyncIterable<Message>, AsyncDisposable {
  /** Lifecycle events (connected, handshake, disconnected, ...). */
  readonly events = new SocketEvents();
  protected readonly options: ResolvedOptions;
  protected readonly fairQueue = new FairQueue();
  private readonly bound = new Map<string, Bound>();
  private readonly connectors = new Map<string, Connector>();
  private readonly receivers = new Waiters<undefined, Message>();
  private readonly senders = new Waiters<readonly Buffer[], void>();
  /** Reused for the frames of a send that are not already an array of Buffers (see `framesView`). */
  private readonly outgoing: Buffer[] = [];
  private readonly config: ConnectionConfig;
  private isClosed = false;
  private lingering: (() => void) | undefined;
  private lastBound: string | undefined;
  private readonly owner: ConnectionOwner = {
    ready: (connection) => this.onReady(connection),
    message: (connection, frames) => {
      const pipe = (connection.tag as Link).pipe;
      if (pipe !== undefined && !pipe.detached) this.incoming(pipe, frames);
    },
    drain: (connection) => this.onDrain(connection),
    closed: (connection, error) => this.onClosed(connection, error),
  };

  protected constructor(
    protected readonly type: SocketType,
    options: SocketOptions = {},
  ) {
    this.options = resolveOptions(options);
    const o = this.options;
    this.config = {
      socketType: type,
      identity: o.routingId,
      maxMessageSize: o.maxMessageSize,
      heartbeatInterval: o.heartbeatInterval,
      heartbeatTimeout: o.heartbeatTimeout,
      heartbeatTimeToLive: o.heartbeatTimeToLive,
      handshakeTimeout: o.handshakeTimeout,
      security: o.security,
    };
  }

  // Hooks ------------------------------------------------------------------------------------------

  /** A pipe joins: at connect() for connect-side pipes, after the handshake for accepted ones. */
  protected attach(_pipe: Pipe): boolean {
    return true;
  }
  /** A connection on the pipe completed its handshake (every reconnect too). */
  protected ready(_pipe: Pipe): void {}
  /** A connect-side pipe lost its connection; it stays and will reconnect. */
  protected interrupted(_pipe: Pipe): void {}
  /** A pipe is gone for good. */
  protected detach(_pipe: Pipe): void {}
  /** A complete message arrived on a pipe; default: queue it for receive(). */
  protected incoming(pipe: Pipe, frames: Buffer[]): void {
    this.enqueue(pipe, frames);
  }
  /**
   * Sends if possible: true when done, false to wait for room; throws for a refused send. `frames` may
   * be an array the caller reuses: keep nothing of it past the call (`Pipe.write` copies what it queues).
   */
  protected abstract trySend(frames: readonly Buffer[]): boolean;
  /** Next message for receive(), or undefined. */
  protected nextMessage(): Message | undefined {
    return this.takeQueued();
  }

  // Public API -------------------------------------------------------------------------------------

  /** True after close(). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The last endpoint bound, with the real port for `tcp://...:0`. */
  get lastEndpoint(): string | undefined {
    return this.lastBound;
  }

  /**
   * Listens on `endpoint` ('tcp://127.0.0.1:0', 'tcp://*:5555', 'ipc:///abs/path.sock'); `options.curve`
   * overrides the socket's security for the connections accepted here (null = NULL mechanism).
   */
  async bind(endpoint: string, options: EndpointOptions = {}): Promise<void> {
    this.assertOpen();
    const address = parseEndpoint(endpoint);
    const config = this.configFor(options);
    const bound: Bound = { listener: undefined, connections: new Set() };
    const onOpen: OnOpen = (wire) => {
      const connection = new Connection(wire, this.owner, config);
      connection.tag = { pipe: undefined, connector: undefined, bound } satisfies Link;
      bound.connections.add(connection);
      this.events.emit({ type: 'accepted', endpoint: bound.listener?.endpoint ?? endpoint, peer: wire.peer });
      return connection.handlers;
    };
    const listener = await listen(address, onOpen);
    bound.listener = listener;
    if (this.isClosed) {
      await listener.close();
      throw new ZmtpError('CLOSED', 'socket closed while binding');
    }
    this.bound.set(listener.endpoint, bound);
    this.bound.set(endpoint, bound);
    this.lastBound = listener.endpoint;
    this.events.emit({ type: 'listening', endpoint: listener.endpoint });
  }

  /** Stops listening on `endpoint` and drops the connections it accepted. */
  async unbind(endpoint: string): Promise<void> {
    const bound = this.bound.get(endpoint);
    if (bound?.listener === undefined) throw new ZmtpError('BAD_ENDPOINT', `${endpoint} is not bound`);
    for (const [key, value] of this.bound) if (value === bound) this.bound.delete(key);
    await bound.listener.close();
    for (const connection of [...bound.connections]) connection.close();
    this.events.emit({ type: 'closed', endpoint: bound.listener.endpoint });
  }

  /**
   * Connects to `endpoint` in the background, reconnecting whenever the connection drops; `options.curve`
   * overrides the socket's security for this endpoint (null = NULL mechanism).
   */
  connect(endpoint: string, options: EndpointOptions = {}): void {
    this.assertOpen();
    const address = parseEndpoint(endpoint);
    if (this.connectors.has(endpoint)) return;
    const config = this.configFor(options);
    const { sendHighWaterMark, receiveHighWaterMark, coalesce } = this.options;
    const pipe = new Pipe(endpoint, true, sendHighWaterMark, receiveHighWaterMark, coalesce);
    const connector: Connector = new Connector(address, pipe, this.options, this.events, (wire) => {
      const connection = new Connection(wire, this.owner, config);
      connection.tag = { pipe, connector, bound: undefined } satisfies Link;
      connector.connection = connection;
      this.events.emit({ type: 'connected', endpoint, peer: wire.peer });
      if (connector.stopped) queueMicrotask(() => connection.close());
      return connection.handlers;
    });
    if (!this.attach(pipe)) throw new ZmtpError('STATE', `a ${this.type} socket cannot take another peer`);
    this.connectors.set(endpoint, connector);
    connector.start();
  }

  /** Stops connecting to `endpoint` and drops its connection and queued messages. */
  disconnect(endpoint: string): void {
    const connector = this.connectors.get(endpoint);
    if (connector === undefined) throw new ZmtpError('BAD_ENDPOINT', `${endpoint} is not connected`);
    this.connectors.delete(endpoint);
    this.stopConnector(connector);
  }

  /** Sends a message; waits for room per socket-type semantics (sendTimeout -> TIMEOUT). */
  send(frames: Frame | readonly Frame[]): Promise<void> {
    if (this.isClosed) return Promise.reject(closedError());
    if (!this.senders.empty) return this.senders.add(toFrames(frames), this.options.sendTimeout, 'send');
    const message = framesView(frames, this.outgoing);
    try {
      const pressure = Pipe.pressure;
      if (this.trySend(message)) return Pipe.pressure === pressure ? RESOLVED : nextTurn();
    } catch (error) {
      return Promise.reject(asZmtpError(error, 'STATE', 'send failed'));
    } finally {
      // Do not keep the caller's buffers alive; the slots stay, so the next send allocates nothing.
      this.outgoing.fill(EMPTY);
    }
    if (this.options.sendTimeout === 0) {
      return Promise.reject(new ZmtpError('TIMEOUT', 'no peer has room for the message'));
    }
    return this.senders.add(toFrames(frames), this.options.sendTimeout, 'send');
  }

  /** Receives the next message (receiveTimeout -> TIMEOUT; close() -> CLOSED). */
  receive(): Promise<Message> {
    if (this.isClosed) return Promise.reject(closedError());
    if (this.receivers.empty) {
      const message = this.nextMessage();
      if (message !== undefined) return Promise.resolve(message);
      if (this.options.receiveTimeout === 0) {
        return Promise.reject(new ZmtpError('TIMEOUT', 'no message available'));
      }
    }
    return this.receivers.add(undefined, this.options.receiveTimeout, 'receive');
  }

  /** Iterates received messages until close(). */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return messageIterator({
      closed: () => this.isClosed,
      ready: () => (this.receivers.empty ? this.nextMessage() : undefined),
      receive: () => this.receive(),
    });
  }

  /** Closes every endpoint; pending receive()/send() reject with CLOSED. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    // Messages held for the end of this turn (`coalesce`) were sent before close(): they go now, as they
    // would have without the option.
    if (this.options.coalesce) this.forEachPipe((pipe) => pipe.flush());
    this.isClosed = true;
    this.receivers.rejectAll(closedError);
    this.senders.rejectAll(closedError);
    const listeners = new Set(this.bound.values());
    this.bound.clear();
    for (const bound of listeners) {
      bound.listener?.close().catch(() => {});
      this.events.emit({ type: 'closed', endpoint: bound.listener?.endpoint ?? '' });
    }
    const finish = () => {
      this.lingering = undefined;
      for (const bound of listeners) for (const connection of [...bound.connections]) connection.close();
      for (const connector of this.connectors.values()) this.stopConnector(connector);
      this.connectors.clear();
      this.events.end();
    };
    if (this.options.linger > 0 && !this.allIdle(listeners)) this.lingerThen(listeners, finish);
    else finish();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // For socket types ------------------------------------------------------------------------------

  /** Queues an inbound message and wakes a waiting receive(). */
  protected enqueue(pipe: Pipe, frames: Buffer[]): void {
    this.fairQueue.push(pipe, frames);
    if (pipe.inboundFull) pipe.connection?.pause();
    this.wakeReceivers();
  }

  /** Takes the next queued message, resuming a pipe that dropped below its receive HWM. */
  protected takeQueued(): Message | undefined {
    const message = this.fairQueue.shift();
    const pipe = this.fairQueue.lastPipe;
    if (message !== undefined && pipe?.inboundLow === true) pipe.connection?.resume();
    return message;
  }

  /** True while some receive() (or iteration) waits for a message. */
  protected get receiving(): boolean {
    return !this.receivers.empty;
  }

  /** Hands queued messages to waiting receive() calls. */
  protected wakeReceivers(): void {
    while (!this.receivers.empty) {
      const message = this.nextMessage();
      if (message === undefined) return;
      this.receivers.resolve(message);
    }
  }

  /** Retries waiting send() calls after some pipe gained room. */
  protected wakeSenders(): void {
    for (let sender = this.senders.peek(); sender !== undefined; sender = this.senders.peek()) {
      try {
        if (!this.trySend(sender.payload)) return;
        this.senders.resolve(undefined);
      } catch (error) {
        this.senders.reject(asZmtpError(error, 'STATE', 'send failed'));
      }
    }
  }

  /** Throws CLOSED after close(). */
  protected assertOpen(): void {
    if (this.isClosed) throw closedError();
  }

  // Connections -------------------------------------------------------------------------------------

  /** The connection settings of one endpoint: the socket's, with its own security when given. */
  private configFor(options: EndpointOptions): ConnectionConfig {
    if (options.curve === undefined) return this.config;
    return { ...this.config, security: resolveSecurity(options.curve) };
  }

  private stopConnector(connector: Connector): void {
    connector.stop();
    connector.pipe.detached = true;
    this.fairQueue.remove(connector.pipe);
    this.detach(connector.pipe);
  }

  private onReady(connection: Connection): void {
    const link = connection.tag as Link;
    // While lingering, connect-side pipes may still (re)connect to flush what they hold.
    if (this.isClosed && (this.lingering === undefined || link.connector === undefined)) {
      connection.close();
      return;
    }
    let pipe = link.pipe;
    if (pipe === undefined) {
      const { sendHighWaterMark, receiveHighWaterMark, coalesce } = this.options;
      pipe = new Pipe(connection.endpoint, false, sendHighWaterMark, receiveHighWaterMark, coalesce);
      pipe.connection = connection;
      link.pipe = pipe;
      if (!this.attach(pipe)) {
        pipe.detached = true;
        link.pipe = undefined;
        connection.close();
        return;
      }
    } else {
      pipe.connection = connection;
      link.connector?.succeeded();
    }
    const publicKey = connection.peer?.publicKey;
    this.events.emit({
      type: 'handshake',
      endpoint: this.endpointOf(link, connection),
      peer: connection.endpoint,
      ...(publicKey === undefined ? {} : { publicKey }),
    });
    this.ready(pipe);
    pipe.flush();
    if (!this.senders.empty) this.wakeSenders();
  }

  private onDrain(connection: Connection): void {
    const pipe = (connection.tag as Link).pipe;
    if (pipe === undefined) return;
    pipe.flush();
    if (!this.senders.empty) this.wakeSenders();
    this.lingering?.();
  }

  private onClosed(connection: Connection, error: ZmtpError | undefined): void {
    const link = connection.tag as Link;
    const handshaken = connection.peer !== undefined;
    const endpoint = this.endpointOf(link, connection);
    link.bound?.connections.delete(connection);
    if (!handshaken && error !== undefined && error.code !== 'CLOSED') {
      this.events.emit({ type: 'handshake-failed', endpoint, error });
    } else {
      this.events.emit({
        type: 'disconnected',
        endpoint,
        ...(error ? { reason: `${error.code}: ${error.message}` } : {}),
      });
    }
    const pipe = link.pipe;
    const connector = link.connector;
    if (connector !== undefined) {
      if (connector.connection === connection) connector.connection = undefined;
      if (pipe !== undefined && pipe.connection === connection) {
        pipe.connection = undefined;
        if (handshaken && !pipe.detached) this.interrupted(pipe);
      }
      connector.retry(!handshaken);
    } else if (pipe !== undefined && !pipe.detached) {
      pipe.detached = true;
      pipe.connection = undefined;
      this.detach(pipe);
    }
    this.lingering?.();
  }

  private endpointOf(link: Link, connection: Connection): string {
    return link.connector?.address.endpoint ?? link.bound?.listener?.endpoint ?? connection.endpoint;
  }

  // Linger ------------------------------------------------------------------------------------------

  private forEachPipe(fn: (pipe: Pipe) => void): void {
    for (const connector of this.connectors.values()) fn(connector.pipe);
    for (const bound of new Set(this.bound.values())) {
      for (const connection of bound.connections) {
        const pipe = (connection.tag as Link).pipe;
        if (pipe !== undefined) fn(pipe);
      }
    }
  }

  private allIdle(listeners: Set<Bound>): boolean {
    for (const connector of this.connectors.values()) if (!connector.pipe.idle) return false;
    for (const bound of listeners) {
      for (const connection of bound.connections) {
        const pipe = (connection.tag as Link).pipe;
        if (connection.blocked || (pipe !== undefined && !pipe.idle)) return false;
      }
    }
    return true;
  }

  private lingerThen(listeners: Set<Bound>, finish: () => void): void {
    this.lingering = lingerUntil(this.options.linger, () => this.allIdle(listeners), finish);
  }
}
