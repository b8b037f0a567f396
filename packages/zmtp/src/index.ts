/** @station/zmtp: ZeroMQ (ZMTP 3.1, RFC 37) sockets on Bun, wire-compatible with libzmq. */
export * from './commands.ts';
export { Decoder, type DecoderOptions, type DecoderSink } from './decoder.ts';
export { parseEndpoint } from './endpoint.ts';
export { ZmtpError, type ZmtpErrorCode } from './errors.ts';
export type { EventOf, SocketEvent, SocketEvents, SocketEventType } from './events.ts';
export { encodeCommandFrame, encodeFrame, encodeMessage } from './frame.ts';
export {
  type CurveKey,
  type CurveKeyPair,
  curveKeyPair,
  curvePublicKey,
  formatKeyFile,
  type KeyFileContent,
  keyText,
  parseKeyFile,
} from './keys.ts';
export type { Frame, Message } from './message.ts';
export type { SocketOptions } from './options.ts';
export * from './protocol.ts';
export type {
  CurveClientOptions,
  CurveOptions,
  CurvePeer,
  CurveServerOptions,
  EndpointOptions,
} from './security.ts';
export { Socket } from './socket-base.ts';
export { Dealer } from './sockets/dealer.ts';
export { Pair } from './sockets/pair.ts';
export { Pub } from './sockets/pub.ts';
export { Pull } from './sockets/pull.ts';
export { Push } from './sockets/push.ts';
export { Rep } from './sockets/rep.ts';
export { Req, type ReqOptions } from './sockets/req.ts';
export { Router, type RouterOptions } from './sockets/router.ts';
export { Sub } from './sockets/sub.ts';
export { XPub, type XPubOptions } from './sockets/xpub.ts';
export { XSub } from './sockets/xsub.ts';
export { z85Decode, z85Encode } from './z85.ts';
