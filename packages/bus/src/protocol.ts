// SSB/1, the Station Service Bus: the frames that clients, the broker and workers exchange over ZeroMQ.
// Derived from Majordomo (ZeroMQ RFC 7, MDP/0.1); see docs/protocol.md for how and why it differs.

/** First frame of every bus message; a peer speaking anything else is ignored. */
export const PROTOCOL = 'SSB1';

/** Second frame: which dialogue the message belongs to. */
export const CLIENT = 'C';
export const WORKER = 'W';

/** Worker dialogue commands (third frame). */
export const READY = 'ready';
export const REQUEST = 'req';
export const REPLY = 'rep';
export const HEARTBEAT = 'hb';
export const DISCONNECT = 'bye';

/** Reply status frame: OK, or an error whose body is `{ code, message, details? }`. */
export const STATUS_OK = 'ok';
export const STATUS_ERROR = 'err';

/** The broker answers this service itself (liveness and the list of registered services). */
export const BROKER_SERVICE = 'broker';

export const MAX_NAME_LENGTH = 128;
const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

export type Frames = readonly Uint8Array[];

/** A client's request as the broker receives it (after the ROUTER's routing-id frame). */
export interface ClientRequest {
  requestId: string;
  service: string;
  method: string;
  body: Uint8Array;
  timeoutMs: number;
}

export type WorkerMessage =
  | { command: 'ready'; service: string }
  | { command: 'rep'; clientId: Uint8Array; requestId: string; status: 'ok' | 'err'; body: Uint8Array }
  | { command: 'hb' }
  | { command: 'bye' };

export type BrokerToWorker =
  | {
      command: 'req';
      clientId: Uint8Array;
      requestId: string;
      method: string;
      body: Uint8Array;
      timeoutMs: number;
    }
  | { command: 'hb' }
  | { command: 'bye' };

export interface ClientReply {
  requestId: string;
  status: 'ok' | 'err';
  body: Uint8Array;
}

/** Why a message was not understood; the broker logs it and drops the message. */
export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
}

const text = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

function str(frame: Uint8Array | undefined, what: string): string {
  if (frame === undefined) throw new ProtocolViolation(`missing ${what} frame`);
  try {
    return text.decode(frame);
  } catch {
    throw new ProtocolViolation(`${what} frame is not UTF-8`);
  }
}

function name(frame: Uint8Array | undefined, what: string): string {
  const s = str(frame, what);
  if (!NAME.test(s))
    throw new ProtocolViolation(`${what} ${JSON.stringify(s.slice(0, 40))} is not a valid name`);
  return s;
}

function timeout(frame: Uint8Array | undefined): number {
  const s = str(frame, 'timeout');
  const n = Number(s);
  if (!/^\d{1,9}$/.test(s) || n <= 0)
    throw new ProtocolViolation(`timeout ${JSON.stringify(s)} is not a positive integer`);
  return n;
}

function status(frame: Uint8Array | undefined): 'ok' | 'err' {
  const s = str(frame, 'status');
  if (s !== STATUS_OK && s !== STATUS_ERROR)
    throw new ProtocolViolation(`unknown status ${JSON.stringify(s)}`);
  return s;
}

function header(frames: Frames, dialogue: string): void {
  if (frames.length < 2) throw new ProtocolViolation('too few frames');
  if (str(frames[0], 'protocol') !== PROTOCOL) throw new ProtocolViolation('not an SSB1 message');
  if (str(frames[1], 'dialogue') !== dialogue) throw new ProtocolViolation(`expected dialogue ${dialogue}`);
}

/** Which dialogue a broker-bound message belongs to (`C` or `W`), or a violation. */
export function dialogueOf(frames: Frames): 'C' | 'W' {
  if (frames.length < 2) throw new ProtocolViolation('too few frames');
  if (str(frames[0], 'protocol') !== PROTOCOL) throw new ProtocolViolation('not an SSB1 message');
  const d = str(frames[1], 'dialogue');
  if (d !== CLIENT && d !== WORKER)
    throw new ProtocolViolation(`unknown dialogue ${JSON.stringify(d.slice(0, 8))}`);
  return d;
}

export function encodeClientRequest(r: ClientRequest): Uint8Array[] {
  return [
    utf8.encode(PROTOCOL),
    utf8.encode(CLIENT),
    utf8.encode(r.requestId),
    utf8.encode(r.service),
    utf8.encode(r.method),
    r.body,
    utf8.encode(String(r.timeoutMs)),
  ];
}

export function decodeClientRequest(frames: Frames): ClientRequest {
  header(frames, CLIENT);
  if (frames.length !== 7)
    throw new ProtocolViolation(`client request has ${frames.length} frames, expected 7`);
  return {
    requestId: name(frames[2], 'request id'),
    service: name(frames[3], 'service'),
    method: name(frames[4], 'method'),
    body: frames[5]!,
    timeoutMs: timeout(frames[6]),
  };
}

export function encodeClientReply(r: ClientReply): Uint8Array[] {
  return [
    utf8.encode(PROTOCOL),
    utf8.encode(CLIENT),
    utf8.encode(r.requestId),
    utf8.encode(r.status),
    r.body,
  ];
}

export function decodeClientReply(frames: Frames): ClientReply {
  header(frames, CLIENT);
  if (frames.length !== 5)
    throw new ProtocolViolation(`client reply has ${frames.length} frames, expected 5`);
  return { requestId: name(frames[2], 'request id'), status: status(frames[3]), body: frames[4]! };
}

export function encodeWorkerMessage(m: WorkerMessage): Uint8Array[] {
  const head = [utf8.encode(PROTOCOL), utf8.encode(WORKER), utf8.encode(m.command)];
  switch (m.command) {
    case 'ready':
      return [...head, utf8.encode(m.service)];
    case 'rep':
      return [...head, m.clientId, utf8.encode(m.requestId), utf8.encode(m.status), m.body];
    default:
      return head;
  }
}

export function decodeWorkerMessage(frames: Frames): WorkerMessage {
  header(frames, WORKER);
  const command = str(frames[2], 'command');
  const expect = (n: number) => {
    if (frames.length !== n)
      throw new ProtocolViolation(`${command} has ${frames.length} frames, expected ${n}`);
  };
  switch (command) {
    case READY:
      expect(4);
      return { command, service: name(frames[3], 'service') };
    case REPLY:
      expect(7);
      return {
        command,
        clientId: frames[3]!,
        requestId: name(frames[4], 'request id'),
        status: status(frames[5]),
        body: frames[6]!,
      };
    case HEARTBEAT:
    case DISCONNECT:
      expect(3);
      return { command };
    default:
      throw new ProtocolViolation(`unknown worker command ${JSON.stringify(command.slice(0, 16))}`);
  }
}

export function encodeBrokerToWorker(m: BrokerToWorker): Uint8Array[] {
  const head = [utf8.encode(PROTOCOL), utf8.encode(WORKER), utf8.encode(m.command)];
  if (m.command !== 'req') return head;
  return [
    ...head,
    m.clientId,
    utf8.encode(m.requestId),
    utf8.encode(m.method),
    m.body,
    utf8.encode(String(m.timeoutMs)),
  ];
}

export function decodeBrokerToWorker(frames: Frames): BrokerToWorker {
  header(frames, WORKER);
  const command = str(frames[2], 'command');
  switch (command) {
    case REQUEST:
      if (frames.length !== 8) throw new ProtocolViolation(`req has ${frames.length} frames, expected 8`);
      return {
        command,
        clientId: frames[3]!,
        requestId: name(frames[4], 'request id'),
        method: name(frames[5], 'method'),
        body: frames[6]!,
        timeoutMs: timeout(frames[7]),
      };
    case HEARTBEAT:
    case DISCONNECT:
      return { command };
    default:
      throw new ProtocolViolation(`unknown broker command ${JSON.stringify(command.slice(0, 16))}`);
  }
}

/**
 * JSON to bytes; `undefined` travels as `null`. A Buffer, not TextEncoder's Uint8Array: the socket sends
 * Buffers as they are, and wrapping a Uint8Array costs the `.buffer` of each one (issue 18: a fifth of a
 * runner's event cost).
 */
export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value ?? null));
}

/** Bytes to JSON, or a violation naming what failed. */
export function decodeJson(bytes: Uint8Array, what = 'body'): unknown {
  try {
    return JSON.parse(text.decode(bytes));
  } catch (err) {
    throw new ProtocolViolation(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}
