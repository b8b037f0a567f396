// The UI's side of the `/ws` boundary: every message is checked against @station/model's schema before
// the reducer sees it, so the reducer works on typed events and a malformed one is reported, not folded.
import { Value } from '@sinclair/typebox/value';
import { events, GatewayMessage, isEventType, ServerMessage } from '@station/model';

/** A message that passed the check, or why it did not. */
export type Parsed = { ok: true; message: ServerMessage } | { ok: false; reason: string };

/** Parses and checks one WebSocket text frame. */
export function parseServerMessage(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (Value.Check(ServerMessage, value)) return { ok: true, message: value };
  return { ok: false, reason: describe(value) };
}

/** The first schema error, against the message type it claims (a union's own error says only "union"). */
function describe(value: unknown): string {
  const claimed = value && typeof value === 'object' ? value : {};
  const type = 'type' in claimed ? claimed.type : undefined;
  if (typeof type !== 'string') return 'message has no "type"';
  const fromGateway =
    GATEWAY_TYPES.has(type) && (type !== 'error' || ('batch_id' in claimed && claimed.batch_id === null));
  if (!fromGateway && !isEventType(type)) return `unknown message type ${JSON.stringify(type).slice(0, 60)}`;
  const schema = fromGateway || !isEventType(type) ? GatewayMessage : events[type];
  const first = Value.Errors(schema, value).First();
  return first ? `${type}: ${first.path || '/'} ${first.message}` : `${type}: does not match its schema`;
}

/** Types the gateway sends of its own (an `error` of its own has `batch_id: null`). */
const GATEWAY_TYPES = new Set<string>(GatewayMessage.anyOf.map((m) => m.properties.type.const));
