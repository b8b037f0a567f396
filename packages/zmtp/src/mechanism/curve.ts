/**
 * CURVE security mechanism (RFC 26, ZMTP-CURVE), both roles:
 *
 *   client                                   server
 *   HELLO    C', Box[64 zeros](C'->S)    ->
 *                                        <-  WELCOME  Box[S' + cookie](S->C')
 *   INITIATE cookie, Box[C + vouch + metadata](C'->S')   (vouch = Box[C' + S](C->S'))
 *                                        ->  the server checks cookie and vouch, asks `authorize(C)`
 *                                        <-  READY    Box[metadata](S'->C')      or ERROR "400"
 *
 * C/S are the long-term keys, C'/S' short-term ones made per connection; the cookie (the server's short
 * -term secret, sealed with a per-connection key) proves the INITIATE answers our WELCOME. Traffic then
 * flows as MESSAGE boxes (see curve-codec.ts). All cryptography is tweetnacl's (Curve25519,
 * XSalsa20-Poly1305); this file only lays out the commands.
 */
import nacl from 'tweetnacl';
import { decodeCommand, decodeMetadata, encodeError, encodeMetadata } from '../commands.ts';
import { ZmtpError } from '../errors.ts';
import { encodeCommandFrame } from '../frame.ts';
import type { SocketType } from '../protocol.ts';
import type { Security } from '../security.ts';
import { z85Encode } from '../z85.ts';
import { CurveCodec, nonceAfter, readNonce, shortNonce } from './curve-codec.ts';
import type { Handshake, HandshakeStep, PeerInfo } from './handshake.ts';
import { INCOMPATIBLE_ERROR, peerFromMetadata } from './null.ts';

/** Mechanism name as it appears in the greeting. */
export const CURVE_MECHANISM = 'CURVE';

type ClientSecurity = Extract<Security, { server: false }>;
type ServerSecurity = Extract<Security, { server: true }>;

const HELLO = Buffer.from('\x05HELLO', 'latin1');
const WELCOME = Buffer.from('\x07WELCOME', 'latin1');
const INITIATE = Buffer.from('\x08INITIATE', 'latin1');
const READY = Buffer.from('\x05READY', 'latin1');
const HELLO_SIZE = 200;
const WELCOME_SIZE = 168;
const INITIATE_MIN = 257;
const READY_MIN = 30;
/** What libzmq's ZAP denial sends, and what a libzmq client reports as "authentication failed". */
const DENIED = '400';

/** A 24-byte nonce: an 8-byte prefix and 16 random bytes (returned whole; the wire carries the last 16). */
function longNonce(prefix: string): Uint8Array {
  const nonce = new Uint8Array(24);
  nonce.set(Buffer.from(prefix, 'latin1'));
  nonce.set(nacl.randomBytes(16), 8);
  return nonce;
}

/** A 24-byte nonce from its fixed prefix and the bytes the wire carried (8 or 16). */
function nonceOf(prefix: string, tail: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(24);
  nonce.set(Buffer.from(prefix, 'latin1'));
  nonce.set(tail, prefix.length);
  return nonce;
}

function metadata(socketType: SocketType, identity: Uint8Array | undefined): Buffer {
  const properties = new Map<string, Uint8Array>([['Socket-Type', Buffer.from(socketType, 'latin1')]]);
  if (identity !== undefined && identity.length > 0) properties.set('Identity', identity);
  return encodeMetadata(properties);
}

function startsWith(body: Buffer, name: Buffer): boolean {
  return body.length >= name.length && name.equals(body.subarray(0, name.length));
}

/** ERROR from the peer during the handshake, as our error. */
function refusal(body: Buffer, stage: string): ZmtpError {
  const command = decodeCommand(body);
  const reason = command.name === 'ERROR' ? command.reason : '';
  if (reason === DENIED) {
    return new ZmtpError('AUTH_FAILED', `the CURVE server refused our key (ERROR ${reason}) ${stage}`);
  }
  return new ZmtpError('PEER_ERROR', `peer refused the CURVE handshake ${stage}: ${reason}`);
}

const isError = (body: Buffer): boolean => body[0] === 5 && body.toString('latin1', 1, 6) === 'ERROR';

const CLIENT_WELCOME = 0;
const CLIENT_READY = 1;
const DONE = 2;

/** The client side: HELLO, then INITIATE after WELCOME, done at READY. */
export class CurveClientHandshake implements Handshake {
  readonly mechanism = CURVE_MECHANISM;
  readonly asServer = false;
  codec: CurveCodec | undefined;
  private state = CLIENT_WELCOME;
  private readonly short = nacl.box.keyPair();
  private nonce = 1;
  private shared: Uint8Array | undefined;

  constructor(
    private readonly keys: ClientSecurity,
    private readonly socketType: SocketType,
    private readonly identity: Uint8Array | undefined,
  ) {}

  /** True until the server answered HELLO: a drop now most likely means it could not open our HELLO. */
  get awaitingWelcome(): boolean {
    return this.state === CLIENT_WELCOME;
  }

  start(): Buffer {
    const body = Buffer.alloc(HELLO_SIZE);
    HELLO.copy(body, 0);
    body[6] = 1; // CURVE version 1.0
    body[7] = 0;
    body.set(this.short.publicKey, 80);
    const nonce = shortNonce('CurveZMQHELLO---', this.nonce++);
    body.set(nonce.subarray(16), 112);
    body.set(nacl.box(new Uint8Array(64), nonce, this.keys.serverKey, this.short.secretKey), 120);
    return encodeCommandFrame(body);
  }

  command(body: Buffer): HandshakeStep {
    if (this.state === CLIENT_WELCOME) {
      if (isError(body)) throw refusal(body, 'before WELCOME');
      if (!startsWith(body, WELCOME) || body.length !== WELCOME_SIZE) {
        throw new ZmtpError('BAD_COMMAND', `expected a ${WELCOME_SIZE}-byte WELCOME`);
      }
      const welcome = nacl.box.open(
        body.subarray(24),
        nonceOf('WELCOME-', body.subarray(8, 24)),
        this.keys.serverKey,
        this.short.secretKey,
      );
      if (welcome === null) {
        throw new ZmtpError('BAD_BOX', 'the WELCOME box does not open: the server does not hold serverKey');
      }
      const serverShort = welcome.subarray(0, 32);
      const cookie = welcome.subarray(32, 128);
      this.shared = nacl.box.before(serverShort, this.short.secretKey);
      const vouchNonce = longNonce('VOUCH---');
      const vouchPlain = new Uint8Array(64);
      vouchPlain.set(this.short.publicKey, 0);
      vouchPlain.set(this.keys.serverKey, 32);
      const vouch = nacl.box(vouchPlain, vouchNonce, serverShort, this.keys.secretKey);
      const meta = metadata(this.socketType, this.identity);
      const plain = new Uint8Array(128 + meta.length);
      plain.set(this.keys.publicKey, 0);
      plain.set(vouchNonce.subarray(8), 32);
      plain.set(vouch, 48);
      plain.set(meta, 128);
      const nonce = shortNonce('CurveZMQINITIATE', this.nonce++);
      const box = nacl.box.after(plain, nonce, this.shared);
      const initiate = Buffer.allocUnsafe(INITIATE.length + 96 + 8 + box.length);
      INITIATE.copy(initiate, 0);
      initiate.set(cookie, 9);
      initiate.set(nonce.subarray(16), 105);
      initiate.set(box, 113);
      this.state = CLIENT_READY;
      return { send: encodeCommandFrame(initiate) };
    }
    if (this.state !== CLIENT_READY || this.shared === undefined) {
      throw new ZmtpError('BAD_COMMAND', 'command after the CURVE handshake completed');
    }
    if (isError(body)) return { error: refusal(body, 'at INITIATE') };
    if (!startsWith(body, READY) || body.length < READY_MIN) {
      throw new ZmtpError('BAD_COMMAND', 'expected READY after INITIATE');
    }
    const nonce = readNonce(body, 6);
    const plain = nacl.box.open.after(
      body.subarray(14),
      nonceOf('CurveZMQREADY---', body.subarray(6, 14)),
      this.shared,
    );
    if (plain === null) throw new ZmtpError('BAD_BOX', 'the READY box does not open');
    const peer: PeerInfo = {
      ...peerFromMetadata(
        decodeMetadata(Buffer.from(plain.buffer, plain.byteOffset, plain.length)),
        this.socketType,
      ),
      publicKey: z85Encode(this.keys.serverKey),
    };
    this.codec = new CurveCodec(this.shared, 'CurveZMQMESSAGEC', 'CurveZMQMESSAGES', this.nonce, nonce);
    this.state = DONE;
    return { peer };
  }
}

const SERVER_HELLO = 0;
const SERVER_INITIATE = 1;

/** The server side: WELCOME after HELLO, READY (or ERROR "400") after INITIATE. */
export class CurveServerHandshake implements Handshake {
  readonly mechanism = CURVE_MECHANISM;
  readonly asServer = true;
  codec: CurveCodec | undefined;
  private state = SERVER_HELLO;
  private readonly short = nacl.box.keyPair();
  private readonly cookieKey = nacl.randomBytes(nacl.secretbox.keyLength);
  private clientShort: Uint8Array | undefined;
  private helloNonce: [number, number] = [0, 0];

  constructor(
    private readonly keys: ServerSecurity,
    private readonly socketType: SocketType,
    private readonly identity: Uint8Array | undefined,
    private readonly address: string,
  ) {}

  start(): undefined {
    return undefined;
  }

  command(body: Buffer): HandshakeStep {
    if (this.state === SERVER_HELLO) return this.hello(body);
    if (this.state === SERVER_INITIATE) return this.initiate(body);
    throw new ZmtpError('BAD_COMMAND', 'command after the CURVE handshake completed');
  }

  private hello(body: Buffer): HandshakeStep {
    if (!startsWith(body, HELLO) || body.length !== HELLO_SIZE) {
      throw new ZmtpError('BAD_COMMAND', `expected a ${HELLO_SIZE}-byte HELLO`);
    }
    if (body[6] !== 1 || body[7] !== 0) {
      throw new ZmtpError('BAD_COMMAND', `HELLO of CURVE version ${body[6]}.${body[7]}, expected 1.0`);
    }
    const clientShort = Uint8Array.from(body.subarray(80, 112));
    this.helloNonce = readNonce(body, 112);
    const nonce = nonceOf('CurveZMQHELLO---', body.subarray(112, 120));
    const zeros = nacl.box.open(body.subarray(120, 200), nonce, clientShort, this.keys.secretKey);
    if (zeros === null) {
      throw new ZmtpError('BAD_BOX', 'the HELLO box does not open: the client uses another server key');
    }
    this.clientShort = clientShort;
    const cookieNonce = longNonce('COOKIE--');
    const cookiePlain = new Uint8Array(64);
    cookiePlain.set(clientShort, 0);
    cookiePlain.set(this.short.secretKey, 32);
    const cookieBox = nacl.secretbox(cookiePlain, cookieNonce, this.cookieKey);
    const plain = new Uint8Array(128);
    plain.set(this.short.publicKey, 0);
    plain.set(cookieNonce.subarray(8), 32);
    plain.set(cookieBox, 48);
    const welcomeNonce = longNonce('WELCOME-');
    const box = nacl.box(plain, welcomeNonce, clientShort, this.keys.secretKey);
    const welcome = Buffer.allocUnsafe(WELCOME_SIZE);
    WELCOME.copy(welcome, 0);
    welcome.set(welcomeNonce.subarray(8), 8);
    welcome.set(box, 24);
    this.state = SERVER_INITIATE;
    return { send: encodeCommandFrame(welcome) };
  }

  private initiate(body: Buffer): HandshakeStep {
    const clientShort = this.clientShort;
    if (clientShort === undefined) throw new ZmtpError('BAD_COMMAND', 'INITIATE before HELLO');
    if (!startsWith(body, INITIATE) || body.length < INITIATE_MIN) {
      throw new ZmtpError('BAD_COMMAND', `expected an INITIATE of at least ${INITIATE_MIN} bytes`);
    }
    const cookie = nacl.secretbox.open(
      body.subarray(25, 105),
      nonceOf('COOKIE--', body.subarray(9, 25)),
      this.cookieKey,
    );
    if (
      cookie === null ||
      !nacl.verify(cookie.subarray(0, 32), clientShort) ||
      !nacl.verify(cookie.subarray(32, 64), this.short.secretKey)
    ) {
      throw new ZmtpError('BAD_BOX', 'the INITIATE cookie is not the one we sent');
    }
    const [high, low] = readNonce(body, 105);
    if (!nonceAfter(high, low, this.helloNonce[0], this.helloNonce[1])) {
      throw new ZmtpError('BAD_NONCE', 'the INITIATE nonce is not above the HELLO nonce');
    }
    const shared = nacl.box.before(clientShort, this.short.secretKey);
    const plain = nacl.box.open.after(
      body.subarray(113),
      nonceOf('CurveZMQINITIATE', body.subarray(105, 113)),
      shared,
    );
    if (plain === null) throw new ZmtpError('BAD_BOX', 'the INITIATE box does not open');
    const clientKey = plain.subarray(0, 32);
    const vouch = nacl.box.open(
      plain.subarray(48, 128),
      nonceOf('VOUCH---', plain.subarray(32, 48)),
      clientKey,
      this.short.secretKey,
    );
    if (vouch === null) {
      throw new ZmtpError(
        'BAD_BOX',
        'the INITIATE vouch does not open: the client does not hold its secret key',
      );
    }
    if (
      !nacl.verify(vouch.subarray(0, 32), clientShort) ||
      !nacl.verify(vouch.subarray(32, 64), this.keys.publicKey)
    ) {
      throw new ZmtpError('BAD_BOX', 'the INITIATE vouch is for another connection or server');
    }
    const publicKey = z85Encode(clientKey);
    let allowed = false;
    let reason = 'is not authorized';
    try {
      allowed = this.keys.authorize(publicKey, { address: this.address });
    } catch (error) {
      reason = `could not be checked: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (allowed !== true) {
      return {
        send: encodeCommandFrame(encodeError(DENIED)),
        error: new ZmtpError('AUTH_FAILED', `client key ${publicKey} ${reason}`),
      };
    }
    let peer: PeerInfo;
    try {
      const properties = decodeMetadata(
        Buffer.from(plain.buffer, plain.byteOffset + 128, plain.length - 128),
      );
      peer = { ...peerFromMetadata(properties, this.socketType), publicKey };
    } catch (error) {
      if (error instanceof ZmtpError && error.code === 'INCOMPATIBLE_PEER') {
        return { send: INCOMPATIBLE_ERROR, error };
      }
      throw error;
    }
    const readyNonce = shortNonce('CurveZMQREADY---', 1);
    const box = nacl.box.after(metadata(this.socketType, this.identity), readyNonce, shared);
    const ready = Buffer.allocUnsafe(READY.length + 8 + box.length);
    READY.copy(ready, 0);
    ready.set(readyNonce.subarray(16), 6);
    ready.set(box, 14);
    this.codec = new CurveCodec(shared, 'CurveZMQMESSAGES', 'CurveZMQMESSAGEC', 2, [high, low]);
    this.state = DONE;
    return { send: encodeCommandFrame(ready), peer };
  }
}
