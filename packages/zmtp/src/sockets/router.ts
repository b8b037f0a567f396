/**
 * ROUTER (RFC 28 §"The ROUTER socket type"): messages carry the peer's routing id as first frame; the
 * id is the peer's READY `Identity` or a generated 5-byte id (0x00 + counter, as libzmq does).
 */
import { ZmtpError } from '../errors.ts';
import type { SocketOptions } from '../options.ts';
import type { Pipe } from '../pipe.ts';
import { RoutingTable } from '../routing/routing-table.ts';
import { type Message, Socket } from '../socket-base.ts';

/** ROUTER-only options. */
export interface RouterOptions extends SocketOptions {
  /** Reject sends to unknown peers with HOST_UNREACHABLE (and wait at the HWM) instead of dropping. */
  mandatory?: boolean;
  /** A new peer with an identity already in use takes it over; otherwise the newcomer is refused. */
  handover?: boolean;
}

/** Addressed request/reply server. */
export class Router extends Socket {
  private readonly routes = new RoutingTable<Pipe>();
  private readonly mandatory: boolean;
  private readonly handover: boolean;
  private nextId = (Math.random() * 0xffff_ffff) >>> 0;

  constructor(options: RouterOptions = {}) {
    super('ROUTER', options);
    this.mandatory = options.mandatory ?? false;
    this.handover = options.handover ?? false;
  }

  protected override attach(pipe: Pipe): boolean {
    // Connect-side pipes learn the peer identity only at the handshake.
    return pipe.persistent ? true : this.register(pipe);
  }

  protected override ready(pipe: Pipe): void {
    if (pipe.persistent && !this.register(pipe)) pipe.connection?.close();
  }

  protected override interrupted(pipe: Pipe): void {
    this.unregister(pipe);
  }

  protected override detach(pipe: Pipe): void {
    this.unregister(pipe);
  }

  protected override trySend(frames: readonly Buffer[]): boolean {
    const id = frames[0];
    if (id === undefined || frames.length < 2) {
      throw new ZmtpError('STATE', 'ROUTER messages need a routing id frame and a body');
    }
    const pipe = this.routes.get(id);
    if (pipe === undefined) {
      if (this.mandatory)
        throw new ZmtpError('HOST_UNREACHABLE', `no peer with routing id ${id.toString('hex')}`);
      return true;
    }
    if (!pipe.writable) return !this.mandatory;
    pipe.write(frames, 1);
    return true;
  }

  protected override nextMessage(): Message | undefined {
    const message = this.takeQueued();
    if (message === undefined) return undefined;
    message.unshift(this.fairQueue.lastPipe?.routingId ?? Buffer.alloc(0));
    return message;
  }

  private register(pipe: Pipe): boolean {
    const identity = pipe.connection?.peer?.identity;
    let id: Buffer;
    if (identity !== undefined) {
      const existing = this.routes.get(identity);
      if (existing !== undefined && existing !== pipe) {
        if (!this.handover) return false;
        this.unregister(existing);
        existing.connection?.close();
      }
      id = Buffer.from(identity);
    } else {
      id = this.generateId();
    }
    this.unregister(pipe);
    pipe.routingId = id;
    this.routes.set(id, pipe);
    return true;
  }

  private unregister(pipe: Pipe): void {
    if (pipe.routingId === undefined) return;
    if (this.routes.get(pipe.routingId) === pipe) this.routes.delete(pipe.routingId);
  }

  private generateId(): Buffer {
    for (;;) {
      this.nextId = (this.nextId + 1) >>> 0;
      const id = Buffer.alloc(5);
      id.writeUInt32BE(this.nextId, 1);
      if (!this.routes.has(id)) return id;
    }
  }
}
