// The WebSocket protocol of `/ws` (SPEC §3.2) beyond the station events: what a client sends, and the
// gateway's own answers to it.
import { type Static, Type as T } from '@sinclair/typebox';
import { StationEvent } from './events.ts';
import { literalUnion } from './schema.ts';

/**
 * What a client may send: subscribe to or unsubscribe from batches (`"*"` = every batch), or a heartbeat
 * (`ping`, answered at once with `pong`: a link that stops answering is a dead link, even while TCP says open).
 */
export const ClientMessage = T.Union([
  T.Object({
    type: T.Union([T.Literal('subscribe'), T.Literal('unsubscribe')]),
    batch_ids: T.Array(T.String(), { minItems: 1 }),
  }),
  T.Object({ type: T.Literal('ping') }),
]);
export type ClientMessage = Static<typeof ClientMessage>;

/** Codes of the `error` messages the gateway sends about a client's own input. */
export const CLIENT_ERROR_CODES = [
  'BAD_JSON',
  'BAD_MESSAGE',
  'UNKNOWN_TYPE',
  'MESSAGE_TOO_LARGE',
  'TOO_MANY_SUBSCRIPTIONS',
  'SNAPSHOT_UNAVAILABLE',
  'FORBIDDEN',
] as const;
export const ClientErrorCode = literalUnion(CLIENT_ERROR_CODES);
export type ClientErrorCode = Static<typeof ClientErrorCode>;

/**
 * The gateway's answers to a client: its current subscriptions, what was wrong with its message, or the
 * `pong` to its heartbeat (`at`: the gateway's clock).
 */
export const GatewayMessage = T.Union([
  T.Object({ type: T.Literal('pong'), data: T.Object({ at: T.String() }) }),
  T.Object({ type: T.Literal('subscribed'), data: T.Object({ batch_ids: T.Array(T.String()) }) }),
  T.Object({ type: T.Literal('unsubscribed'), data: T.Object({ batch_ids: T.Array(T.String()) }) }),
  T.Object({
    type: T.Literal('error'),
    batch_id: T.Null(),
    data: T.Object({ code: ClientErrorCode, message: T.String() }),
  }),
]);
export type GatewayMessage = Static<typeof GatewayMessage>;

/** Everything a client receives on `/ws`. */
export const ServerMessage = T.Union([StationEvent, GatewayMessage]);
export type ServerMessage = Static<typeof ServerMessage>;
