/** NULL security mechanism (RFC 37 §2.6.1): both sides send READY with their metadata, nothing else. */
import { type Command, encodeReady } from '../commands.ts';
import { ZmtpError } from '../errors.ts';
import { encodeCommandFrame } from '../frame.ts';
import { isCompatible, type SocketType } from '../protocol.ts';

/** Mechanism name as it appears in the greeting. */
export const NULL_MECHANISM = 'NULL';

/** What the peer told us about itself in READY. */
export interface PeerInfo {
  socketType: string;
  identity: Buffer | undefined;
}

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
  const type = command.properties.get('socket-type')?.toString('latin1');
  if (type === undefined) throw new ZmtpError('BAD_COMMAND', 'READY without Socket-Type');
  if (!isCompatible(ours, type)) {
    throw new ZmtpError('INCOMPATIBLE_PEER', `a ${ours} socket cannot talk to a ${type} peer`);
  }
  const identity = command.properties.get('identity');
  return { socketType: type, identity: identity !== undefined && identity.length > 0 ? identity : undefined };
}
