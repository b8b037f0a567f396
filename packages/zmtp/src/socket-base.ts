/**
 * The socket base every socket type builds on: endpoints (bind/connect/reconnect), pipes, send and
 * receive queues with high-water marks and timeouts, linger and events. Socket types plug in through
 * the `attach`/`ready`/`interrupted`/`detach`/`incoming`/`trySend`/`nextMessage` hooks.
 */
import { Connection, type ConnectionConfig, type ConnectionOwner } from './connection.ts';
import { type Address, parseEndpoint } from './endpoint.ts';
import { asZmtpError, ZmtpError } from './errors.ts';
import { SocketEvents } from './events.ts';
import { type ResolvedOptions, resolveOptions, type SocketOptions } from './options.ts';
import { Pipe } from './pipe.ts';
import type { SocketType } from './protocol.ts';
import { Queue } from './queue.ts';
import { FairQueue } from './routing/fair-queue.ts';
import { dialIpc, listenIpc } from './transports/ipc.ts';
import { dialTcp, listenTcp } from './transports/tcp.ts';
import type { Listener, OnOpen } from './transports/transport.ts';

/** A frame to send; strings are UTF-8 encoded. */
export type Frame = Uint8Array | string;
/** A received multipart message. */
export type Message = Buffer[];

interface Bound {
  listener: Listener;
  connections: Set<Connection>;
}

interface Connector {
  readonly address: Address;
  readonly pipe: Pipe;
  interval: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  connection: Connection | undefined;
  stopped: boolean;
}

/** Which endpoint a connection belongs to. */
interface Link {
  pipe: Pipe | undefined;
  connector: Connector | undefined;
  bound: Bound | undefined;
}

interface Receiver {
  resolve(message: Message): void;
  reject(error: ZmtpError): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  done: boolean;
}

interface Sender {
  frames: Buffer[];
  resolve(): void;
  reject(error: ZmtpError): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  done: boolean;
}

const RESOLVED = Promise.resolve();

/** Converts user frames to Buffers without copying binary data. */
export function toFrames(frames: Frame | readonly Frame[]): Buffer[] {
  const list = Array.isArray(frames) ? (frames as readonly Frame[]) : [frames as Frame];
  const out = new Array<Buffer>(list.length);
  for (let i = 0; i < list.length; i++) {
    const frame = list[i]!;
    out[i] =
      typeof frame === 'string'
        ? Buffer.from(frame)
        : Buffer.isBuffer(frame)
          ? frame
          : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  }
  return out;
}

/** Shared machinery of all socket types. */
export abstract class Socket implements AsyncIterable<Message>, AsyncDisposable {
  /** Lifecycle events (connected, handshake, disconnected, ...). */
  readonly events = new SocketEvents();
  protected readonly options: ResolvedOptions;
  protected readonly fairQueue = new FairQueue();
  private readonly bound = new Map<string, Bound>();
  private readonly connectors = new Map<string, Connector>();
  private readonly receivers = new Queue<Receiver>();
  private readonly senders = new Queue<Sender>();
  private readonly config: ConnectionConfig;
  private isClosed = false;
  private lastBound: string | undefined;
  private readonly owner: ConnectionOwner = {
    ready: (connection) => this.onReady(connection),
    message: (connection, frames) => this.onMessage(connection, frames),
    drain: (connection) => this.onDrain(connection),
    closed: (connection, error) => this.onClosed(connection, error),
  };

  protected constructor(
    protected readonly type: SocketType,
    options: SocketOptions = {},
  ) {
    this.options = resolveOptions(options);
    this.config = {
      socketType: type,
      identity: this.options.routingId,
      maxMessageSize: this.options.maxMessageSize,
      heartbeatInterval: this.options.heartbeatInterval,
      heartbeatTimeout: this.options.heartbeatTimeout,
      heartbeatTimeToLive: this.options.heartbeatTimeToLive,
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
  /** Sends if possible: true when done, false to wait for room; throws for a refused send. */
  protected abstract trySend(frames: Buffer[]): boolean;
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

  /** Listens on `endpoint` ('tcp://127.0.0.1:0', 'tcp://*:5555', 'ipc:///abs/path.sock'). */
  async bind(endpoint: string): Promise<void> {
    this.assertOpen();
    const address = parseEndpoint(endpoint);
    const bound: Bound = { listener: undefined as unknown as Listener, connections: new Set() };
    const onOpen: OnOpen = (wire) => {
      const connection = new Connection(wire, this.owner, this.config);
      connection.tag = { pipe: undefined, connector: undefined, bound } satisfies Link;
      bound.connections.add(connection);
      this.events.emit({ type: 'accepted', endpoint: bound.listener?.endpoint ?? endpoint, peer: wire.peer });
      return connection.handlers;
    };
    bound.listener =
      address.transport === 'tcp'
        ? listenTcp(address.host, address.port, onOpen)
        : await listenIpc(address.path, onOpen);
    if (this.isClosed) {
      await bound.listener.close();
      throw new ZmtpError('CLOSED', 'socket closed while binding');
    }
    this.bound.set(bound.listener.endpoint, bound);
    if (bound.listener.endpoint !== endpoint) this.bound.set(endpoint, bound);
    this.lastBound = bound.listener.endpoint;
    this.events.emit({ type: 'listening', endpoint: bound.listener.endpoint });
  }

  /** Stops listening on `endpoint` and drops the connections it accepted. */
  async unbind(endpoint: string): Promise<void> {
    const bound = this.bound.get(endpoint);
    if (bound === undefined) throw new ZmtpError('BAD_ENDPOINT', `${endpoint} is not bound`);
    for (const [key, value] of this.bound) if (value === bound) this.bound.delete(key);
    await bound.listener.close();
    for (const connection of [...bound.connections]) connection.close();
    this.events.emit({ type: 'closed', endpoint: bound.listener.endpoint });
  }

  /** Connects to `endpoint` in the background, reconnecting whenever the connection drops. */
  connect(endpoint: string): void {
    this.assertOpen();
    const address = parseEndpoint(endpoint);
    if (this.connectors.has(endpoint)) return;
    const pipe = new Pipe(endpoint, true, this.options.sendHighWaterMark, this.options.receiveHighWaterMark);
    const connector: Connector = {
      address,
      pipe,
      interval: this.options.reconnectInterval,
      timer: undefined,
      connection: undefined,
      stopped: false,
    };
    this.connectors.set(endpoint, connector);
    this.attach(pipe);
    this.dial(connector);
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
    if (this.isClosed) return Promise.reject(new ZmtpError('CLOSED', 'socket is closed'));
    const message = toFrames(frames);
    if (this.senders.length === 0) {
      try {
        if (this.trySend(message)) return RESOLVED;
      } catch (error) {
        return Promise.reject(asZmtpError(error, 'STATE', 'send failed'));
      }
      if (this.options.sendTimeout === 0) {
        return Promise.reject(new ZmtpError('TIMEOUT', 'no peer has room for the message'));
      }
    }
    return new Promise<void>((resolve, reject) => {
      const sender: Sender = { frames: message, resolve, reject, timer: undefined, done: false };
      if (this.options.sendTimeout > 0) {
        sender.timer = setTimeout(() => {
          sender.done = true;
          reject(new ZmtpError('TIMEOUT', `send timed out after ${this.options.sendTimeout} ms`));
        }, this.options.sendTimeout);
      }
      this.senders.push(sender);
    });
  }

  /** Receives the next message (receiveTimeout -> TIMEOUT; close() -> CLOSED). */
  receive(): Promise<Message> {
    if (this.isClosed) return Promise.reject(new ZmtpError('CLOSED', 'socket is closed'));
    if (this.receivers.length === 0) {
      const message = this.nextMessage();
      if (message !== undefined) return Promise.resolve(message);
      if (this.options.receiveTimeout === 0) {
        return Promise.reject(new ZmtpError('TIMEOUT', 'no message available'));
      }
    }
    return new Promise<Message>((resolve, reject) => {
      const receiver: Receiver = { resolve, reject, timer: undefined, done: false };
      if (this.options.receiveTimeout > 0) {
        receiver.timer = setTimeout(() => {
          receiver.done = true;
          reject(new ZmtpError('TIMEOUT', `receive timed out after ${this.options.receiveTimeout} ms`));
        }, this.options.receiveTimeout);
      }
      this.receivers.push(receiver);
    });
  }

  /** Iterates received messages until close(). */
  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    while (!this.isClosed) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error instanceof ZmtpError && error.code === 'CLOSED') return;
        throw error;
      }
    }
  }

  /** Closes every endpoint; pending receive()/send() reject with CLOSED. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const closedError = () => new ZmtpError('CLOSED', 'socket closed');
    for (let r = this.receivers.shift(); r !== undefined; r = this.receivers.shift()) {
      if (r.timer !== undefined) clearTimeout(r.timer);
      if (!r.done) r.reject(closedError());
    }
    for (let s = this.senders.shift(); s !== undefined; s = this.senders.shift()) {
      if (s.timer !== undefined) clearTimeout(s.timer);
      if (!s.done) s.reject(closedError());
    }
    const listeners = new Set(this.bound.values());
    this.bound.clear();
    for (const bound of listeners) {
      bound.listener.close().catch(() => {});
      this.events.emit({ type: 'closed', endpoint: bound.listener.endpoint });
    }
    const finish = () => {
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
    if (message !== undefined && pipe !== undefined && !pipe.inboundFull) pipe.connection?.resume();
    return message;
  }

  /** Hands queued messages to waiting receive() calls. */
  protected wakeReceivers(): void {
    while (this.receivers.length > 0) {
      const receiver = this.receivers.peek()!;
      if (receiver.done) {
        this.receivers.shift();
        continue;
      }
      const message = this.nextMessage();
      if (message === undefined) return;
      this.receivers.shift();
      if (receiver.timer !== undefined) clearTimeout(receiver.timer);
      receiver.resolve(message);
    }
  }

  /** Retries waiting send() calls after some pipe gained room. */
  protected wakeSenders(): void {
    while (this.senders.length > 0) {
      const sender = this.senders.peek()!;
      if (sender.done) {
        this.senders.shift();
        continue;
      }
      try {
        if (!this.trySend(sender.frames)) return;
        this.senders.shift();
        if (sender.timer !== undefined) clearTimeout(sender.timer);
        sender.resolve();
      } catch (error) {
        this.senders.shift();
        if (sender.timer !== undefined) clearTimeout(sender.timer);
        sender.reject(asZmtpError(error, 'STATE', 'send failed'));
      }
    }
  }

  /** Throws CLOSED after close(). */
  protected assertOpen(): void {
    if (this.isClosed) throw new ZmtpError('CLOSED', 'socket is closed');
  }

  // Connections -------------------------------------------------------------------------------------

  private dial(connector: Connector): void {
    connector.timer = undefined;
    if (connector.stopped || this.isClosed) return;
    const { address } = connector;
    const onOpen: OnOpen = (wire) => {
      const connection = new Connection(wire, this.owner, this.config);
      connection.tag = { pipe: connector.pipe, connector, bound: undefined } satisfies Link;
      connector.connection = connection;
      if (connector.stopped) queueMicrotask(() => connection.close());
      this.events.emit({ type: 'connected', endpoint: address.endpoint, peer: wire.peer });
      return connection.handlers;
    };
    const dialing =
      address.transport === 'tcp'
        ? dialTcp(address.host, address.port, onOpen)
        : dialIpc(address.path, onOpen);
    dialing.catch(() => {
      if (connector.stopped || this.isClosed) return;
      this.scheduleReconnect(connector, true);
    });
  }

  private scheduleReconnect(connector: Connector, failed: boolean): void {
    const { reconnectInterval, reconnectMaxInterval } = this.options;
    const interval = connector.interval;
    if (failed && reconnectMaxInterval > reconnectInterval) {
      connector.interval = Math.min(interval * 2, reconnectMaxInterval);
    }
    this.events.emit({ type: 'connect-retried', endpoint: connector.address.endpoint, interval });
    connector.timer = setTimeout(() => this.dial(connector), interval);
  }

  private stopConnector(connector: Connector): void {
    connector.stopped = true;
    if (connector.timer !== undefined) clearTimeout(connector.timer);
    connector.timer = undefined;
    connector.connection?.close();
    connector.pipe.detached = true;
    this.fairQueue.remove(connector.pipe);
    this.detach(connector.pipe);
  }

  private onReady(connection: Connection): void {
    const link = connection.tag as Link;
    if (this.isClosed) {
      connection.close();
      return;
    }
    let pipe = link.pipe;
    if (pipe === undefined) {
      pipe = new Pipe(
        connection.endpoint,
        false,
        this.options.sendHighWaterMark,
        this.options.receiveHighWaterMark,
      );
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
      if (link.connector !== undefined) link.connector.interval = this.options.reconnectInterval;
    }
    this.events.emit({
      type: 'handshake',
      endpoint: link.connector?.address.endpoint ?? link.bound?.listener.endpoint ?? connection.endpoint,
      peer: connection.endpoint,
    });
    this.ready(pipe);
    pipe.flush();
    if (this.senders.length > 0) this.wakeSenders();
  }

  private onMessage(connection: Connection, frames: Buffer[]): void {
    const pipe = (connection.tag as Link).pipe;
    if (pipe !== undefined && !pipe.detached) this.incoming(pipe, frames);
  }

  private onDrain(connection: Connection): void {
    const pipe = (connection.tag as Link).pipe;
    if (pipe === undefined) return;
    pipe.flush();
    if (this.senders.length > 0) this.wakeSenders();
    if (this.lingering !== undefined) this.lingering();
  }

  private onClosed(connection: Connection, error: ZmtpError | undefined): void {
    const link = connection.tag as Link;
    const handshaken = connection.peer !== undefined;
    const endpoint = link.connector?.address.endpoint ?? link.bound?.listener.endpoint ?? connection.endpoint;
    link.bound?.connections.delete(connection);
    if (!handshaken && error !== undefined && error.code !== 'CLOSED') {
      this.events.emit({ type: 'handshake-failed', endpoint, error });
    } else {
      this.events.emit({ type: 'disconnected', endpoint, ...(error ? { reason: error.message } : {}) });
    }
    const pipe = link.pipe;
    if (link.connector !== undefined) {
      const connector = link.connector;
      if (connector.connection === connection) connector.connection = undefined;
      if (pipe !== undefined && pipe.connection === connection) {
        pipe.connection = undefined;
        if (handshaken && !pipe.detached) this.interrupted(pipe);
      }
      if (!connector.stopped && !this.isClosed) this.scheduleReconnect(connector, !handshaken);
    } else if (pipe !== undefined && !pipe.detached) {
      pipe.detached = true;
      pipe.connection = undefined;
      this.detach(pipe);
    }
    if (this.lingering !== undefined) this.lingering();
  }

  // Linger ------------------------------------------------------------------------------------------

  private lingering: (() => void) | undefined;

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
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.lingering = undefined;
      finish();
    };
    const timer = setTimeout(end, this.options.linger);
    this.lingering = () => {
      if (this.allIdle(listeners)) end();
    };
  }
}
