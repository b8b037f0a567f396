// The client side of the `/ws` protocol (SPEC §3.2): what a client may send, checked without trusting
// anything about it, and the gateway's own messages (errors, acknowledgements).
import { ID_PATTERN } from '@station/config';

/** Codes of the `error` messages the gateway sends about a client's own input. */
export type ClientErrorCode =
  | 'BAD_JSON'
  | 'BAD_MESSAGE'
  | 'UNKNOWN_TYPE'
  | 'MESSAGE_TOO_LARGE'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'SNAPSHOT_UNAVAILABLE'
  | 'FORBIDDEN';

/** A valid client message: a (un)subscription, or a heartbeat to answer with `pong`. */
export type ClientMessage = { type: 'subscribe' | 'unsubscribe'; batchIds: string[] } | { type: 'ping' };

/** `"*"` subscribes to every batch. */
export const ALL_BATCHES = '*';

const idPattern = new RegExp(ID_PATTERN);

export class ClientMessageError extends Error {
  override readonly name = 'ClientMessageError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Size of a message in bytes as received (Elysia has already parsed JSON text into a value by now). */
export function messageSize(raw: unknown): number {
  if (typeof raw === 'string') return Buffer.byteLength(raw);
  if (raw instanceof Uint8Array || raw instanceof ArrayBuffer) return raw.byteLength;
  try {
    return Buffer.byteLength(JSON.stringify(raw) ?? '');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Checks one message from a client; throws ClientMessageError with a code the client can act on. */
export function parseClientMessage(raw: unknown, maxBytes: number, maxIds: number): ClientMessage {
  const size = messageSize(raw);
  if (size > maxBytes) {
    throw new ClientMessageError(
      'MESSAGE_TOO_LARGE',
      `message of ${size} bytes is over the limit of ${maxBytes}`,
    );
  }
  let value = raw;
  if (raw instanceof Uint8Array || raw instanceof ArrayBuffer) {
    throw new ClientMessageError('BAD_MESSAGE', 'binary frames are not accepted; send JSON text');
  }
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ClientMessageError('BAD_JSON', 'message is not valid JSON');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ClientMessageError('BAD_MESSAGE', 'message must be a JSON object with a "type"');
  }
  const { type, batch_ids } = value as { type?: unknown; batch_ids?: unknown };
  if (type === 'ping') return { type };
  if (type !== 'subscribe' && type !== 'unsubscribe') {
    throw new ClientMessageError(
      'UNKNOWN_TYPE',
      `unknown message type ${JSON.stringify(type)?.slice(0, 40) ?? 'undefined'}; expected "subscribe", "unsubscribe" or "ping"`,
    );
  }
  if (!Array.isArray(batch_ids) || batch_ids.length === 0) {
    throw new ClientMessageError(
      'BAD_MESSAGE',
      `${type} needs "batch_ids": a non-empty list of batch ids or "*"`,
    );
  }
  if (batch_ids.length > maxIds) {
    throw new ClientMessageError('TOO_MANY_SUBSCRIPTIONS', `at most ${maxIds} batch ids per client`);
  }
  for (const id of batch_ids) {
    if (typeof id !== 'string' || (id !== ALL_BATCHES && !idPattern.test(id))) {
      throw new ClientMessageError(
        'BAD_MESSAGE',
        `"batch_ids" holds an invalid id: ${JSON.stringify(id)?.slice(0, 80)}`,
      );
    }
  }
  return { type, batchIds: [...new Set(batch_ids as string[])] };
}

/** The answer to a client's heartbeat, stamped with the gateway's clock. */
export function pong(at: string): string {
  return JSON.stringify({ type: 'pong', data: { at } });
}

/** The gateway's `error` message about a client's input (SPEC §3.2 shape; no batch, so `batch_id` null). */
export function clientError(code: ClientErrorCode, message: string): string {
  return JSON.stringify({ type: 'error', batch_id: null, data: { code, message } });
}
