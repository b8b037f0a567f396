/** What every security mechanism's handshake (NULL, CURVE) offers the connection that runs it. */
import type { ZmtpError } from '../errors.ts';
import type { CurveCodec } from './curve-codec.ts';

/** What the peer told us about itself during the handshake. */
export interface PeerInfo {
  socketType: string;
  identity: Buffer | undefined;
  /** The peer's long-term CURVE public key (Z85); undefined under NULL. */
  publicKey?: string;
}

/** The result of one handshake command from the peer. */
export interface HandshakeStep {
  /** A command frame to write now (sent before `error` closes the connection, if both are set). */
  send?: Buffer;
  /** Set once the handshake completed. */
  peer?: PeerInfo;
  /** The handshake failed: close the connection with this error (after writing `send`). */
  error?: ZmtpError;
}

/** One side of one mechanism's handshake; created per connection. */
export interface Handshake {
  /** Mechanism name as in the greeting. */
  readonly mechanism: string;
  /** The as-server bit of our greeting. */
  readonly asServer: boolean;
  /** The command frame to send once greetings were exchanged; undefined when the peer speaks first. */
  start(): Buffer | undefined;
  /** Takes one command frame body from the peer; throws ZmtpError for a malformed one. */
  command(body: Buffer): HandshakeStep;
  /** Encrypts and decrypts traffic once the handshake completed; undefined for NULL (plain frames). */
  readonly codec: CurveCodec | undefined;
}
