/** NULL security mechanism (RFC 37 §2.6.1): both sides send READY with their metadata, nothing else. */
import { type Command, decodeCommand, encodeError, encodeReady } from '../commands.ts';
import { ZmtpError } from '../errors.ts';
import { encodeCommandFrame } from '../frame.ts';
import { isCompatible, type SocketType } from '../protocol.ts';
import type { Handshake, HandshakeStep, PeerInfo } from './handshake.ts';

export type { PeerInfo } from './handshake.ts';

/** Mechanism name as it appears in the greeting. */
export const NULL_MECHANISM = 'NULL';

/** Our READY command frame. */
export function nullReady(socketType: SocketType, identity: Uint8Array | undefined): Buffer {
  return encodeCommandFrame(encodeReady(socketType, identity));
}

/**
 * Checks the peer's first command. Throws PEER_ERROR for ERROR, BAD_COMMAND for anything but READY,
 * INCOMPATIBLE_PEER for a socket type we may not talk to (the caller then sends ERROR and closes).
 */
export function acceptNullReady(command: Command, ours: SocketType): PeerInfo {
  if (command.name === 'ERROR') {
    throw new ZmtpError('PEER_ERROR', `peer refused the handshake: ${command.reason}`);
  }
  if (command.name !== 'READY') {
    const name = command.name === 'UNKNOWN' ? command.command : command.name;
    throw new ZmtpError('BAD_COMMAND', `expected READY during the NULL handshake, got ${name}`);
  }
  return peerFromMetadata(command.properties, ours);
}

/** Peer info from READY/INITIATE metadata; throws INCOMPATIBLE_PEER or BAD_COMMAND. */
export function peerFromMetadata(properties: Map<string, Buffer>, ours: SocketType): PeerInfo {
  const type = properties.get('socket-type')?.toString('latin1');
  if (type === undefined) throw new ZmtpError('BAD_COMMAND', 'READY without Socket-Type');
  if (!isCompatible(ours, type)) {
    throw new ZmtpError('INCOMPATIBLE_PEER', `a ${ours} socket cannot talk to a ${type} peer`);
  }
  const identity = properties.get('identity');
  return { socketType: type, identity: identity !== undefined && identity.length > 0 ? identity : undefined };
}

/** ERROR telling the peer its socket type does not fit ours (what libzmq sends). */
export const INCOMPATIBLE_ERROR = encodeCommandFrame(encodeError('Invalid socket type'));

/** The NULL handshake: READY both ways. */
export class NullHandshake implements Handshake {
  readonly mechanism = NULL_MECHANISM;
  readonly asServer = false;
  readonly codec = undefined;

  constructor(
    private readonly socketType: SocketType,
    private readonly identity: Uint8Array | undefined,
  ) {}

  start(): Buffer {
    return nullReady(this.socketType, this.identity);
  }

  command(body: Buffer): HandshakeStep {
    try {
      return { peer: acceptNullReady(decodeCommand(body), this.socketType) };
    } catch (error) {
      if (error instanceof ZmtpError && error.code === 'INCOMPATIBLE_PEER') {
        return { send: INCOMPATIBLE_ERROR, error };
      }
      throw error;
    }
  }
}
