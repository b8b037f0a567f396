/**
 * One ZMTP connection over a byte stream: greeting exchange with 3.0 downgrade (RFC 37 §2.3), the NULL or
 * CURVE handshake, framing of multipart messages (boxed per frame under CURVE), subscription commands
 * (RFC 37 §2.7) and heartbeats (§2.8).
 */
import { decodeCommand, encodeCancel, encodePing, encodePong, encodeSubscribe } from './commands.ts';
import { Decoder } from './decoder.ts';
import { asZmtpError, ZmtpError } from './errors.ts';
import { encodeCommandFrame, framer, NO_FRAMES } from './frame.ts';
import { CurveClientHandshake, CurveServerHandshake } from './mechanism/curve.ts';
import { BOX_COMMAND, BOX_MORE, CurveCodec, MESSAGE_OVERHEAD } from './mechanism/curve-codec.ts';
import type { Handshake, PeerInfo } from './mechanism/handshake.ts';
import { NullHandshake } from './mechanism/null.ts';
import {
  encodeGreeting,
  FLAG_COMMAND,
  FLAG_MORE,
  type Greeting,
  isCommand,
  isMore,
  type SocketType,
  VERSION_MAJOR,
  VERSION_MINOR,
} from './protocol.ts';
import type { Security } from './security.ts';
import type { Wire, WireHandlers } from './transports/transport.ts';

/** Per-connection settings taken from the socket options. */
export interface ConnectionConfig {
  socketType: SocketType;
  identity: Buffer | undefined;
  maxMessageSize: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
  handshakeTimeout: number;
  /** NULL or CURVE (with keys) for this connection's endpoint. */
  security: Security;
}

/** What a connection reports to the socket that owns it. */
export interface ConnectionOwner {
  ready(connection: Connection): void;
  message(connection: Connection, frames: Buffer[]): void;
  drain(connection: Connection): void;
  closed(connection: Connection, error: ZmtpError | undefined): void;
}

const GREETING_WAIT = 0;
const READY_WAIT = 1;
const ACTIVE = 2;
const CLOSED = 3;

const greetings = new Map<string, Uint8Array>();
/** Our greeting for a mechanism and role (the same 64 bytes for every connection of that kind). */
function greetingFor(mechanism: string, asServer: boolean): Uint8Array {
  const key = `${mechanism}/${asServer}`;
  let greeting = greetings.get(key);
  if (greeting === undefined) {
    greeting = encodeGreeting({ major: VERSION_MAJOR, minor: VERSION_MINOR, mechanism, asServer });
    greetings.set(key, greeting);
  }
  return greeting;
}

function handshakeFor(config: ConnectionConfig, address: string): Handshake {
  const security = config.security;
  if (security.mechanism === 'NULL') return new NullHandshake(config.socketType, config.identity);
  if (security.server) return new CurveServerHandshake(security, config.socketType, config.identity, address);
  return new CurveClientHandshake(security, config.socketType, config.identity);
}

/** Handshake commands are small; this bounds them when maxMessageSize is small or unset. */
const HANDSHAKE_FRAME_MAX = 4096;
const SUBSCRIBE_BYTE = 1;
const CANCEL_BYTE = 0;

/** A handshaken (or handshaking) peer link; created by a transport when a stream opens. */
export class Connection {
  /** Peer metadata, set once the handshake completes. */
  peer: PeerInfo | undefined;
  /** Negotiated minor version: 0 means the peer speaks ZMTP 3.0. */
  peerMinor = VERSION_MINOR;
  /** Opaque slot for the owning socket (its pipe). */
  tag: unknown;

  private state = GREETING_WAIT;
  private readonly decoder: Decoder;
  private frames: Buffer[] = [];
  private messageSize = 0;
  private backlog: Uint8Array[] = [];
  private paused = false;
  private lastReceived = 0;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private pingTimer: ReturnType<typeof setTimeout> | undefined;
  private ttlTimer: ReturnType<typeof setTimeout> | undefined;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly handshake: Handshake;
  /** Boxes and unboxes frames once a CURVE handshake completed; undefined under NULL. */
  private codec: CurveCodec | undefined;

  constructor(
    private readonly wire: Wire,
    private readonly owner: ConnectionOwner,
    private readonly config: ConnectionConfig,
  ) {
    this.handshake = handshakeFor(config, wire.peer);
    // A CURVE frame is the message frame plus its MESSAGE wrapping; the plain size is checked after opening.
    const maxFrameSize =
      config.security.mechanism === 'NULL' || config.maxMessageSize < 0
        ? config.maxMessageSize
        : Math.max(config.maxMessageSize + MESSAGE_OVERHEAD, HANDSHAKE_FRAME_MAX);
    this.decoder = new Decoder(
      { greeting: (g) => this.onGreeting(g), frame: (flags, body) => this.onFrame(flags, body) },
      { maxFrameSize },
    );
    this.write(greetingFor(this.handshake.mechanism, this.handshake.asServer));
    if (config.handshakeTimeout > 0) {
      // A peer that accepts the stream but never speaks ZMTP must not hold the endpoint forever.
      this.handshakeTimer = setTimeout(() => {
        this.handshakeTimer = undefined;
        this.close(new ZmtpError('TIMEOUT', `no ZMTP handshake within ${config.handshakeTimeout} ms`));
      }, config.handshakeTimeout);
    }
  }

  /** Peer address for events. */
  get endpoint(): string {
    return this.wire.peer;
  }

  /** True after READY was exchanged and until close. */
  get active(): boolean {
    return this.state === ACTIVE;
  }

  /** True while earlier writes still wait for the kernel to take them. */
  get blocked(): boolean {
    return this.backlog.length > 0;
  }

  /**
   * Sends `envelope` followed by `frames[from..]` as one multipart message in one write; returns false
   * when it had to be buffered (wait for `drain`). Neither array is kept.
   */
  send(frames: readonly Uint8Array[], from = 0, envelope: readonly Uint8Array[] = NO_FRAMES): boolean {
    if (this.state !== ACTIVE) return false;
    if (this.codec !== undefined) return this.write(this.boxMessage(frames, from, envelope));
    if (envelope.length === 0 && frames.length - from === 1 && this.subscriptionsAsCommands()) {
      const frame = frames[from]!;
      if (frame[0] === SUBSCRIBE_BYTE)
        return this.write(encodeCommandFrame(encodeSubscribe(frame.subarray(1))));
      if (frame[0] === CANCEL_BYTE) return this.write(encodeCommandFrame(encodeCancel(frame.subarray(1))));
    }
    framer.frame(envelope, frames, from);
    return this.writeFramed();
  }

  /**
   * Sends the message `framer` holds right now (a publisher frames once for all its subscribers); a CURVE
   * connection boxes `frames` (the same message) itself, since every peer has its own key.
   */
  sendFramed(frames: readonly Uint8Array[]): boolean {
    if (this.state !== ACTIVE) return false;
    return this.codec === undefined ? this.writeFramed() : this.send(frames);
  }

  /** True once a CURVE handshake completed: traffic is boxed. */
  get encrypted(): boolean {
    return this.codec !== undefined;
  }

  /** Sends several messages in one write (draining a queue); same result as `send` for each. */
  sendBatch(messages: readonly (readonly Uint8Array[])[]): boolean {
    if (this.state !== ACTIVE) return false;
    if (this.codec !== undefined) {
      const boxed: Buffer[] = [];
      for (const frames of messages) boxed.push(this.boxMessage(frames, 0, NO_FRAMES));
      return this.write(boxed.length === 1 ? boxed[0]! : Buffer.concat(boxed));
    }
    if (this.subscriptionsAsCommands()) {
      let flushed = true;
      for (const frames of messages) flushed = this.send(frames);
      return flushed;
    }
    framer.frameBatch(messages);
    return this.writeFramed();
  }

  /** Stops reading from the peer (receive high-water mark reached). */
  pause(): void {
    if (this.paused || this.state === CLOSED) return;
    this.paused = true;
    this.wire.pause();
  }

  /** Resumes reading after `pause`. */
  resume(): void {
    if (!this.paused || this.state === CLOSED) return;
    this.paused = false;
    this.wire.resume();
  }

  /** Closes the stream; `error` says why (undefined for a deliberate close). */
  close(error?: ZmtpError): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.decoder.stop();
    this.stopTimers();
    this.backlog = [];
    this.wire.end();
    this.owner.closed(this, error);
  }

  // Stream callbacks -------------------------------------------------------------------------------

  /** The callbacks the transport delivers this stream's events to. */
  get handlers(): WireHandlers {
    return {
      data: (chunk) => this.data(chunk),
      drain: () => this.drain(),
      close: (reason) => this.lost(reason ?? 'peer closed'),
    };
  }

  private data(chunk: Buffer): void {
    if (this.state === CLOSED) return;
    this.lastReceived = performance.now();
    try {
      this.decoder.feed(chunk);
    } catch (error) {
      // Keep the code, add where it happened, keep the original as the cause.
      const inner = asZmtpError(error, 'BAD_FRAME', 'could not decode the peer stream');
      const stage = this.state === ACTIVE ? 'bad traffic' : 'handshake failed';
      this.close(
        new ZmtpError(inner.code, `${stage} with ${this.wire.peer}: ${inner.message}`, { cause: inner }),
      );
    }
  }

  private drain(): void {
    if (this.state === CLOSED || this.backlog.length === 0) return;
    const pending = this.backlog.length === 1 ? this.backlog[0]! : Buffer.concat(this.backlog);
    this.backlog = [];
    const written = this.wire.write(pending, 0, pending.length);
    if (written < 0) return;
    if (written < pending.length) {
      this.backlog.push(pending.subarray(written));
      return;
    }
    if (this.state === ACTIVE) this.owner.drain(this);
  }

  private lost(reason: string): void {
    if (this.state === CLOSED) return;
    const error =
      this.state === READY_WAIT &&
      this.handshake instanceof CurveClientHandshake &&
      this.handshake.awaitingWelcome
        ? new ZmtpError(
            'AUTH_FAILED',
            `the CURVE server closed the connection after our HELLO (${reason}): serverKey is probably not its public key`,
          )
        : new ZmtpError('CLOSED', `connection lost: ${reason}`);
    this.state = CLOSED;
    this.decoder.stop();
    this.stopTimers();
    this.backlog = [];
    this.owner.closed(this, error);
  }

  // Protocol ---------------------------------------------------------------------------------------

  private onGreeting(greeting: Greeting): void {
    const ours = this.handshake.mechanism;
    if (greeting.mechanism !== ours) {
      throw new ZmtpError(
        'BAD_MECHANISM',
        `peer wants mechanism ${greeting.mechanism}, this endpoint uses ${ours}`,
      );
    }
    // The as-server bit is not checked: libzmq sends 0 in either role. Two clients or two servers fail at
    // the first command instead (each expects the other's).
    this.peerMinor = greeting.major > VERSION_MAJOR ? VERSION_MINOR : Math.min(greeting.minor, VERSION_MINOR);
    this.state = READY_WAIT;
    const first = this.handshake.start();
    if (first !== undefined) this.write(first);
  }

  private onFrame(flags: number, body: Buffer): void {
    if (this.codec !== undefined && this.state === ACTIVE) {
      // Under CURVE every frame is a MESSAGE; its box says whether it continues a message or is a command.
      const opened = this.codec.decode(body);
      const inner =
        (opened.flags & BOX_MORE ? FLAG_MORE : 0) | (opened.flags & BOX_COMMAND ? FLAG_COMMAND : 0);
      this.onPlainFrame(inner, opened.data);
      return;
    }
    this.onPlainFrame(flags, body);
  }

  private onPlainFrame(flags: number, body: Buffer): void {
    if (this.state === ACTIVE && !isCommand(flags)) {
      this.messageSize += body.length;
      if (this.config.maxMessageSize >= 0 && this.messageSize > this.config.maxMessageSize) {
        throw new ZmtpError('MESSAGE_TOO_LARGE', `message exceeds ${this.config.maxMessageSize} bytes`);
      }
      this.frames.push(body);
      if (isMore(flags)) return;
      const frames = this.frames;
      this.frames = [];
      this.messageSize = 0;
      this.owner.message(this, frames);
      return;
    }
    if (!isCommand(flags)) throw new ZmtpError('BAD_FRAME', 'message frame before the handshake completed');
    if (isMore(flags)) throw new ZmtpError('BAD_FRAME', 'command frame with the MORE flag');
    if (this.frames.length > 0) throw new ZmtpError('BAD_FRAME', 'command frame inside a multipart message');
    if (this.state === READY_WAIT) {
      const step = this.handshake.command(body);
      if (step.send !== undefined) this.write(step.send);
      if (step.error !== undefined) throw step.error;
      if (step.peer === undefined) return;
      this.peer = step.peer;
      this.codec = this.handshake.codec;
      this.state = ACTIVE;
      if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
      this.handshakeTimer = undefined;
      this.startHeartbeats();
      this.owner.ready(this);
      return;
    }
    const command = decodeCommand(body);
    switch (command.name) {
      case 'PING':
        this.writeCommand(encodePong(command.context));
        if (command.ttl > 0) this.armTtl(command.ttl);
        return;
      case 'PONG':
        return;
      case 'ERROR':
        throw new ZmtpError('PEER_ERROR', `peer sent ERROR: ${command.reason}`);
      case 'SUBSCRIBE':
      case 'CANCEL':
        if (this.config.socketType === 'PUB' || this.config.socketType === 'XPUB') {
          const byte = command.name === 'SUBSCRIBE' ? SUBSCRIBE_BYTE : CANCEL_BYTE;
          this.owner.message(this, [Buffer.concat([Buffer.from([byte]), command.topic])]);
        }
        return;
      default:
        // Unknown commands are ignored so newer peers can extend the protocol (RFC 37 §2.5).
        return;
    }
  }

  private subscriptionsAsCommands(): boolean {
    const type = this.config.socketType;
    return (type === 'SUB' || type === 'XSUB') && this.peerMinor >= 1;
  }

  /** Writes a command after the handshake: plain, or boxed under CURVE. */
  private writeCommand(body: Buffer): boolean {
    return this.write(
      this.codec === undefined ? encodeCommandFrame(body) : this.codec.encode(BOX_COMMAND, body),
    );
  }

  /**
   * Boxes `envelope` + `frames[from..]` into consecutive MESSAGE frames in one buffer. A lone subscription
   * frame to a 3.1 peer becomes a boxed SUBSCRIBE/CANCEL command, as on a plain connection.
   */
  private boxMessage(frames: readonly Uint8Array[], from: number, envelope: readonly Uint8Array[]): Buffer {
    const codec = this.codec!;
    if (envelope.length === 0 && frames.length - from === 1 && this.subscriptionsAsCommands()) {
      const frame = frames[from]!;
      if (frame[0] === SUBSCRIBE_BYTE) return codec.encode(BOX_COMMAND, encodeSubscribe(frame.subarray(1)));
      if (frame[0] === CANCEL_BYTE) return codec.encode(BOX_COMMAND, encodeCancel(frame.subarray(1)));
    }
    const count = envelope.length + frames.length - from;
    let size = 0;
    for (let i = 0; i < count; i++) {
      size += CurveCodec.frameSize(
        (i < envelope.length ? envelope[i]! : frames[from + i - envelope.length]!).length,
      );
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const frame = i < envelope.length ? envelope[i]! : frames[from + i - envelope.length]!;
      at = codec.encodeInto(out, at, i < count - 1 ? BOX_MORE : 0, frame);
    }
    return out;
  }

  private write(data: Uint8Array): boolean {
    if (this.backlog.length > 0) {
      this.backlog.push(data);
      return false;
    }
    const written = this.wire.write(data, 0, data.length);
    if (written === data.length) return true;
    if (written >= 0) this.backlog.push(written === 0 ? data : data.subarray(written));
    return false;
  }

  /** Writes `framer`'s bytes; what the kernel does not take now is copied out of the shared buffer. */
  private writeFramed(): boolean {
    const { buffer, length, owned } = framer;
    const written = this.backlog.length > 0 ? 0 : this.wire.write(buffer, 0, length);
    if (written === length) return true;
    if (written < 0) return false;
    const rest = buffer.subarray(written, length);
    this.backlog.push(owned ? rest : Buffer.from(rest));
    return false;
  }

  private startHeartbeats(): void {
    const interval = this.config.heartbeatInterval;
    if (interval <= 0) return;
    this.heartbeatTimer = setInterval(() => this.ping(), interval);
    this.heartbeatTimer.unref?.();
  }

  private ping(): void {
    if (this.state !== ACTIVE) return;
    this.writeCommand(encodePing(this.config.heartbeatTimeToLive));
    if (this.pingTimer !== undefined) return;
    const sentAt = performance.now();
    const timeout =
      this.config.heartbeatTimeout > 0 ? this.config.heartbeatTimeout : this.config.heartbeatInterval;
    this.pingTimer = setTimeout(() => {
      this.pingTimer = undefined;
      // While we paused reading (receive HWM), the peer's traffic waits unread: that is not silence.
      if (this.lastReceived < sentAt && !this.paused) {
        this.close(
          new ZmtpError('HEARTBEAT_TIMEOUT', `no traffic from the peer for ${timeout} ms after PING`),
        );
      }
    }, timeout);
  }

  private armTtl(ttl: number): void {
    if (this.ttlTimer !== undefined) clearTimeout(this.ttlTimer);
    const armedAt = performance.now();
    this.ttlTimer = setTimeout(() => {
      this.ttlTimer = undefined;
      if (this.lastReceived <= armedAt && !this.paused) {
        this.close(new ZmtpError('HEARTBEAT_TIMEOUT', `peer silent past the ${ttl} ms TTL of its PING`));
      }
    }, ttl);
  }

  private stopTimers(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    if (this.pingTimer !== undefined) clearTimeout(this.pingTimer);
    if (this.ttlTimer !== undefined) clearTimeout(this.ttlTimer);
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    this.heartbeatTimer = this.pingTimer = this.ttlTimer = this.handshakeTimer = undefined;
  }
}
