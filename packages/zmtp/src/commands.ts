/** ZMTP commands (RFC 37 §2.5-2.7): READY metadata, ERROR, SUBSCRIBE, CANCEL, PING, PONG as pure functions. */
import { ZmtpError } from './errors.ts';

/** A decoded command, typed for the ones ZMTP 3.1 defines and raw for any other name. */
export type Command =
  | { name: 'READY'; properties: Map<string, Buffer> }
  | { name: 'ERROR'; reason: string }
  | { name: 'SUBSCRIBE'; topic: Buffer }
  | { name: 'CANCEL'; topic: Buffer }
  | { name: 'PING'; ttl: number; context: Buffer }
  | { name: 'PONG'; context: Buffer }
  | { name: 'UNKNOWN'; command: string; data: Buffer };

/** Longest PING context the RFC allows. */
export const PING_CONTEXT_MAX = 16;

/** Encodes a command body: name-size, name, data. */
export function encodeCommand(name: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  if (name.length === 0 || name.length > 255)
    throw new ZmtpError('BAD_COMMAND', `bad command name "${name}"`);
  const out = Buffer.allocUnsafe(1 + name.length + data.length);
  out[0] = name.length;
  out.write(name, 1, 'latin1');
  out.set(data, 1 + name.length);
  return out;
}

/** Splits a command body into name and data; throws BAD_COMMAND when truncated. */
export function decodeCommandName(body: Buffer): { name: string; data: Buffer } {
  const size = body[0];
  if (size === undefined || size === 0 || body.length < 1 + size) {
    throw new ZmtpError('BAD_COMMAND', 'command body shorter than its name');
  }
  return { name: body.toString('latin1', 1, 1 + size), data: body.subarray(1 + size) };
}

/** Encodes READY metadata properties (name-size, name, 4-byte value-size, value). */
export function encodeMetadata(properties: ReadonlyMap<string, Uint8Array>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of properties) {
    if (name.length === 0 || name.length > 255) throw new ZmtpError('BAD_COMMAND', `bad property "${name}"`);
    const head = Buffer.allocUnsafe(1 + name.length + 4);
    head[0] = name.length;
    head.write(name, 1, 'latin1');
    head.writeUInt32BE(value.length, 1 + name.length);
    parts.push(head, Buffer.from(value.buffer, value.byteOffset, value.length));
  }
  return Buffer.concat(parts);
}

/** Decodes READY metadata; names are lower-cased because the RFC makes them case-insensitive. */
export function decodeMetadata(data: Buffer): Map<string, Buffer> {
  const properties = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const nameSize = data[at]!;
    if (nameSize === 0 || at + 1 + nameSize + 4 > data.length) {
      throw new ZmtpError('BAD_COMMAND', 'truncated metadata property name');
    }
    const name = data.toString('latin1', at + 1, at + 1 + nameSize).toLowerCase();
    at += 1 + nameSize;
    const valueSize = data.readUInt32BE(at);
    at += 4;
    if (at + valueSize > data.length) throw new ZmtpError('BAD_COMMAND', `truncated value of "${name}"`);
    properties.set(name, data.subarray(at, at + valueSize));
    at += valueSize;
  }
  return properties;
}

/** READY with `Socket-Type` and, when set, `Identity`. */
export function encodeReady(socketType: string, identity?: Uint8Array): Buffer {
  const properties = new Map<string, Uint8Array>([['Socket-Type', Buffer.from(socketType, 'latin1')]]);
  if (identity !== undefined && identity.length > 0) properties.set('Identity', identity);
  return encodeCommand('READY', encodeMetadata(properties));
}

/** ERROR with a reason of at most 255 bytes. */
export function encodeError(reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 255);
  return encodeCommand('ERROR', Buffer.concat([Buffer.from([text.length]), text]));
}

/** SUBSCRIBE (RFC 37 §2.7) for a topic prefix. */
export const encodeSubscribe = (topic: Uint8Array): Buffer => encodeCommand('SUBSCRIBE', topic);
/** CANCEL of a topic prefix. */
export const encodeCancel = (topic: Uint8Array): Buffer => encodeCommand('CANCEL', topic);

/** PING with a TTL in milliseconds (sent in deciseconds) and an optional context. */
export function encodePing(ttlMs: number, context: Uint8Array = new Uint8Array(0)): Buffer {
  const data = Buffer.allocUnsafe(2 + context.length);
  data.writeUInt16BE(Math.min(0xffff, Math.max(0, Math.round(ttlMs / 100))), 0);
  data.set(context, 2);
  return encodeCommand('PING', data);
}

/** PONG echoing the context of the PING it answers. */
export const encodePong = (context: Uint8Array): Buffer => encodeCommand('PONG', context);

/** Decodes any command body into its typed form; throws BAD_COMMAND on malformed known commands. */
export function decodeCommand(body: Buffer): Command {
  const { name, data } = decodeCommandName(body);
  switch (name) {
    case 'READY':
      return { name, properties: decodeMetadata(data) };
    case 'ERROR': {
      const size = data[0];
      if (size === undefined || data.length < 1 + size) throw new ZmtpError('BAD_COMMAND', 'truncated ERROR');
      return { name, reason: data.toString('utf8', 1, 1 + size) };
    }
    case 'SUBSCRIBE':
    case 'CANCEL':
      return { name, topic: data };
    case 'PING': {
      if (data.length < 2) throw new ZmtpError('BAD_COMMAND', 'PING without TTL');
      const context = data.subarray(2);
      if (context.length > PING_CONTEXT_MAX) throw new ZmtpError('BAD_COMMAND', 'PING context over 16 bytes');
      return { name, ttl: data.readUInt16BE(0) * 100, context };
    }
    case 'PONG':
      return { name, context: data };
    default:
      return { name: 'UNKNOWN', command: name, data };
  }
}
