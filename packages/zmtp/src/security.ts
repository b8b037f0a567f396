/**
 * Which security mechanism a connection runs (RFC 37 §2.6): NULL, or CURVE (RFC 26) as server or client.
 * The socket option `curve` sets it for every endpoint; `bind`/`connect` may override it per endpoint.
 */
import { ZmtpError } from './errors.ts';
import { type CurveKey, curvePublicKey, keyBytes, keyText } from './keys.ts';

/** Who is asking, for `authorize`. */
export interface CurvePeer {
  /** The client's address (`tcp` host:port, or the ipc path). */
  address: string;
}

/** CURVE server: holds the long-term key pair clients know the public half of, and decides who may talk. */
export interface CurveServerOptions {
  server: true;
  publicKey: CurveKey;
  secretKey: CurveKey;
  /**
   * Decides whether a client (its long-term public key, Z85) may connect; the role ZAP plays in libzmq.
   * False or a throw refuses it: the client gets ERROR "400" and the connection closes.
   */
  authorize: (clientKey: string, peer: CurvePeer) => boolean;
}

/** CURVE client: its own long-term key pair and the server's public key. */
export interface CurveClientOptions {
  server?: false;
  /** The server's long-term public key; a server without its secret half is refused. */
  serverKey: CurveKey;
  publicKey: CurveKey;
  secretKey: CurveKey;
}

/** The `curve` option: server or client role. */
export type CurveOptions = CurveServerOptions | CurveClientOptions;

/** Per-endpoint settings of `bind` and `connect`. */
export interface EndpointOptions {
  /** Overrides the socket's `curve` option for this endpoint; null = NULL mechanism here. */
  curve?: CurveOptions | null;
}

/** A resolved mechanism: keys validated and decoded. */
export type Security =
  | { mechanism: 'NULL' }
  | {
      mechanism: 'CURVE';
      server: true;
      publicKey: Uint8Array;
      secretKey: Uint8Array;
      authorize: (clientKey: string, peer: CurvePeer) => boolean;
    }
  | {
      mechanism: 'CURVE';
      server: false;
      serverKey: Uint8Array;
      publicKey: Uint8Array;
      secretKey: Uint8Array;
    };

/** The NULL mechanism. */
export const NULL_SECURITY: Security = { mechanism: 'NULL' };

/** Validates `curve` (throws ZmtpError BAD_KEY naming the key) into a Security. */
export function resolveSecurity(curve: CurveOptions | null | undefined): Security {
  if (curve === undefined || curve === null) return NULL_SECURITY;
  const secretKey = keyBytes(curve.secretKey, 'curve.secretKey');
  const publicKey = keyBytes(curve.publicKey, 'curve.publicKey');
  if (curvePublicKey(secretKey) !== keyText(publicKey, 'curve.publicKey')) {
    throw new ZmtpError('BAD_KEY', 'curve.publicKey does not belong to curve.secretKey');
  }
  if (curve.server === true) {
    if (typeof curve.authorize !== 'function') {
      throw new ZmtpError(
        'BAD_KEY',
        'a CURVE server needs curve.authorize(clientKey) to decide who may connect',
      );
    }
    return { mechanism: 'CURVE', server: true, publicKey, secretKey, authorize: curve.authorize };
  }
  return {
    mechanism: 'CURVE',
    server: false,
    serverKey: keyBytes(curve.serverKey, 'curve.serverKey'),
    publicKey,
    secretKey,
  };
}
