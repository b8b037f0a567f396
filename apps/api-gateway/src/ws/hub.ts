// The WebSocket fan-out: who subscribed to which batch, a batch_status snapshot on subscribe, each event
// serialised once and sent only to its subscribers, and slow clients dropped before they cost memory.
import type { BusLogger } from '@station/bus';
import type { BatchStatus, StationEvent } from '@station/model';
import type { Identity } from '../auth.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { allows, WS_MESSAGE_ROLES } from '../roles.ts';
import type { WsLimits } from '../types.ts';
import { ALL_BATCHES, ClientMessageError, clientError, parseClientMessage, pong } from './messages.ts';

/** The socket operations the hub needs (Bun's ServerWebSocket has them). */
export interface WsPeer {
  /** Bun semantics: bytes sent, -1 when queued under backpressure, 0 when dropped. */
  send(data: string): number;
  getBufferedAmount(): number;
  close(code?: number, reason?: string): void;
  terminate?(): void;
  /** Native pub/sub (Bun's ServerWebSocket): joins or leaves a topic that `HubOptions.broadcast` sends to. */
  subscribe?(topic: string): void;
  unsubscribe?(topic: string): void;
}

/** Close codes the gateway uses (RFC 6455 §7.4.1). */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;

interface Client {
  peer: WsPeer;
  /** Who opened the socket (undefined when auth is off: every message is allowed). */
  who: Identity | undefined;
  all: boolean;
  batches: Set<string>;
  /** Events held back while a snapshot is being fetched, so the snapshot is never newer than what follows. */
  held: string[] | null;
  snapshots: number;
  closed: boolean;
  /** Topics the peer has joined (empty while a snapshot is pending, and always for a peer without pub/sub). */
  topics: Set<string>;
}

export interface HubOptions {
  limits: WsLimits;
  metrics: GatewayMetrics;
  log: BusLogger;
  /** Current status of every batch (the supervisor's `batch.list`). */
  snapshot(): Promise<BatchStatus[]>;
  /**
   * Sends one text to every socket subscribed to a topic, natively (Bun's `server.publish`): the text is
   * encoded once and written to each socket without a JavaScript call per client. Without it (or for a
   * peer that cannot subscribe) the hub sends to each client itself.
   */
  broadcast?(topic: string, text: string): void;
  /** The clock a `pong` is stamped with (milliseconds); Date.now by default. */
  now?: () => number;
}

/**
 * Topics of the native fan-out. A client subscribed to every batch joins ALL only; one subscribed to some
 * batches joins their BATCH topics; both kinds join SYSTEM (events without a batch). So no client is in two
 * topics an event goes to, and none receives an event twice.
 */
const TOPIC_ALL = 'all';
const TOPIC_SYSTEM = 'system';
const batchTopic = (id: string) => `batch:${id}`;

/** Most events held for one client during a snapshot before it counts as too slow. */
const MAX_HELD = 1000;
/** How long a dropped client gets to read its close frame before its connection is cut. */
const TERMINATE_AFTER_MS = 2000;

/** Fans station events out to WebSocket clients by subscription. */
export class Hub {
  readonly #clients = new Map<WsPeer, Client>();
  /** Clients outside the native topics (held for a snapshot, without pub/sub, or subscribed to nothing). */
  readonly #direct = new Set<Client>();
  /** How many clients are in each native topic. */
  readonly #members = new Map<string, number>();
  /**
   * Bytes that may still be broadcast before some client in a topic could pass `maxBufferedBytes`: the
   * least room any of them had when their buffers were last read. Reading every client's buffer for every
   * event cost more than the fan-out itself with 100 clients; each broadcast adds at most its own length
   * to a client's buffer, so the buffers are read again only once this is spent.
   */
  #room: number;
  readonly #opts: HubOptions;

  constructor(opts: HubOptions) {
    this.#opts = opts;
    this.#room = opts.limits.maxBufferedBytes;
  }

  /** Connected clients. */
  get size(): number {
    return this.#clients.size;
  }

  open(peer: WsPeer, who?: Identity): void {
    const client: Client = {
      peer,
      who,
      all: false,
      batches: new Set(),
      held: null,
      snapshots: 0,
      closed: false,
      topics: new Set(),
    };
    this.#clients.set(peer, client);
    this.#direct.add(client);
    this.#opts.metrics.wsClients.set(this.#clients.size);
  }

  close(peer: WsPeer): void {
    const client = this.#clients.get(peer);
    if (client) {
      client.closed = true;
      this.#direct.delete(client);
      // Bun takes a closed socket out of its topics itself; only the counts are ours.
      this.#count(client.topics, -1);
      client.topics = new Set();
    }
    this.#clients.delete(peer);
    this.#opts.metrics.wsClients.set(this.#clients.size);
  }

  #count(topics: Iterable<string>, by: 1 | -1): void {
    for (const topic of topics) this.#members.set(topic, (this.#members.get(topic) ?? 0) + by);
  }

  /** Handles one message from a client; never throws (bad input is answered with an `error` message). */
  async message(peer: WsPeer, raw: unknown): Promise<void> {
    const client = this.#clients.get(peer);
    if (!client) return;
    const { limits } = this.#opts;
    let msg: ReturnType<typeof parseClientMessage>;
    try {
      msg = parseClientMessage(raw, limits.maxMessageBytes, limits.maxSubscriptions);
    } catch (err) {
      const e = err instanceof ClientMessageError ? err : new ClientMessageError('BAD_MESSAGE', String(err));
      this.#opts.metrics.wsErrors.inc({ code: e.code });
      this.#send(client, clientError(e.code, e.message), 'error');
      return;
    }
    const needed = WS_MESSAGE_ROLES[msg.type];
    if (client.who && !allows(client.who.role, needed)) {
      this.#opts.metrics.wsErrors.inc({ code: 'FORBIDDEN' });
      const text = `${msg.type} needs role ${needed} or higher; ${client.who.name} has role ${client.who.role}`;
      this.#send(client, clientError('FORBIDDEN', text), 'error');
      return;
    }
    if (msg.type === 'ping') {
      // Answered before anything else the client waits for: the page counts the link lost without it.
      this.#send(client, pong(new Date((this.#opts.now ?? Date.now)()).toISOString()), 'pong');
      return;
    }
    if (msg.type === 'unsubscribe') {
      for (const id of msg.batchIds) {
        if (id === ALL_BATCHES) client.all = false;
        else client.batches.delete(id);
      }
      this.#join(client);
      this.#send(
        client,
        JSON.stringify({ type: 'unsubscribed', data: { batch_ids: this.#subscriptions(client) } }),
        'unsubscribed',
      );
      return;
    }
    const added = msg.batchIds;
    if (added.includes(ALL_BATCHES)) client.all = true;
    for (const id of added) if (id !== ALL_BATCHES) client.batches.add(id);
    if (client.batches.size > limits.maxSubscriptions) {
      for (const id of added) client.batches.delete(id);
      this.#opts.metrics.wsErrors.inc({ code: 'TOO_MANY_SUBSCRIPTIONS' });
      this.#send(
        client,
        clientError('TOO_MANY_SUBSCRIPTIONS', `at most ${limits.maxSubscriptions} batch ids per client`),
        'error',
      );
      return;
    }
    await this.#sendSnapshot(client, added);
  }

  async #sendSnapshot(client: Client, ids: string[]): Promise<void> {
    client.snapshots += 1;
    client.held ??= [];
    // Out of its topics while events are held for it, so a broadcast does not pass the held ones.
    this.#join(client);
    try {
      const batches = await this.#opts.snapshot();
      const wanted = ids.includes(ALL_BATCHES) ? undefined : new Set(ids);
      for (const status of batches) {
        if (wanted && !wanted.has(status.id)) continue;
        // The whole BatchStatus as data: a batch_status event's data is a partial BatchStatus.
        const text = JSON.stringify({ type: 'batch_status', batch_id: status.id, data: status });
        this.#send(client, text, 'batch_status');
      }
    } catch (err) {
      this.#opts.metrics.wsErrors.inc({ code: 'SNAPSHOT_UNAVAILABLE' });
      const reason = err instanceof Error ? err.message : String(err);
      this.#send(client, clientError('SNAPSHOT_UNAVAILABLE', `no batch status snapshot: ${reason}`), 'error');
    } finally {
      client.snapshots -= 1;
      if (client.snapshots === 0 && !client.closed) {
        const held = client.held ?? [];
        client.held = null;
        this.#send(
          client,
          JSON.stringify({ type: 'subscribed', data: { batch_ids: this.#subscriptions(client) } }),
          'subscribed',
        );
        for (const text of held) if (!client.closed) this.#send(client, text, 'event');
        // Joined only now, in the same turn as the held events went out: nothing between is missed or doubled.
        if (!client.closed) this.#join(client);
      }
    }
  }

  #subscriptions(client: Client): string[] {
    return [...(client.all ? [ALL_BATCHES] : []), ...[...client.batches].sort()];
  }

  /** The topics a client belongs in for its current subscriptions (see TOPIC_ALL); none while held. */
  #topicsOf(client: Client): Set<string> {
    const topics = new Set<string>();
    if (client.held) return topics;
    if (client.all) topics.add(TOPIC_ALL);
    else for (const id of client.batches) topics.add(batchTopic(id));
    if (topics.size > 0) topics.add(TOPIC_SYSTEM);
    return topics;
  }

  /** Brings the peer's native topics in line with its subscriptions. */
  #join(client: Client): void {
    const { peer } = client;
    if (!this.#opts.broadcast || !peer.subscribe || !peer.unsubscribe) return;
    const wanted = this.#topicsOf(client);
    const left = [...client.topics].filter((topic) => !wanted.has(topic));
    const joined = [...wanted].filter((topic) => !client.topics.has(topic));
    for (const topic of left) peer.unsubscribe(topic);
    for (const topic of joined) peer.subscribe(topic);
    this.#count(left, -1);
    this.#count(joined, 1);
    if (client.topics.size === 0 && wanted.size > 0) {
      // From now on reached by broadcasts: the room left is also this client's.
      this.#room = Math.min(this.#room, this.#opts.limits.maxBufferedBytes - peer.getBufferedAmount());
    }
    client.topics = wanted;
    if (wanted.size === 0) this.#direct.add(client);
    else this.#direct.delete(client);
  }

  /**
   * Reads the buffer of every client in a topic before a broadcast of `length` bytes: drops each that it
   * would take past `maxBufferedBytes` (a client that stopped reading, instead of growing our memory), and
   * notes the room the others have left.
   */
  #checkBuffers(length: number): void {
    const { maxBufferedBytes } = this.#opts.limits;
    let room = maxBufferedBytes;
    for (const client of this.#clients.values()) {
      if (client.topics.size === 0) continue;
      const buffered = client.peer.getBufferedAmount();
      if (buffered + length > maxBufferedBytes) this.#drop(client, `too slow: ${buffered} bytes unsent`);
      else room = Math.min(room, maxBufferedBytes - buffered);
    }
    this.#room = room;
  }

  /** Sends one station event to every client subscribed to its batch (system events to every subscriber). */
  publish(event: StationEvent): void {
    this.#opts.metrics.events.inc({ type: event.type });
    const batchId = 'batch_id' in event ? event.batch_id : undefined;
    const text = JSON.stringify(event);
    let sent = 0;
    // Clients outside the topics, one by one (usually none: only while a snapshot is being fetched).
    for (const client of this.#direct) {
      const wants =
        batchId === undefined
          ? client.all || client.batches.size > 0
          : client.all || client.batches.has(batchId);
      if (!wants) continue;
      if (client.held) {
        if (client.held.length >= MAX_HELD) this.#drop(client, `too slow: over ${MAX_HELD} events waiting`);
        else client.held.push(text);
      } else if (this.#deliver(client, text)) sent += 1;
    }
    // The rest natively: one call per topic, whatever the number of clients in it.
    const topics = batchId === undefined ? [TOPIC_SYSTEM] : [TOPIC_ALL, batchTopic(batchId)];
    const members = () => topics.reduce((n, topic) => n + (this.#members.get(topic) ?? 0), 0);
    let joined = members();
    if (joined > 0 && this.#opts.broadcast) {
      if (text.length > this.#room) {
        this.#checkBuffers(text.length);
        joined = members();
      }
      this.#room -= text.length;
      for (const topic of topics) if (this.#members.get(topic)) this.#opts.broadcast(topic, text);
    }
    // One counter update per event, not one per client: this is the fan-out's hot path.
    if (sent + joined > 0) this.#opts.metrics.wsMessages.inc({ type: event.type }, sent + joined);
  }

  /** Closes every client with `code` (1001 on shutdown). */
  closeAll(code: number, reason: string): void {
    for (const client of [...this.#clients.values()]) {
      client.closed = true;
      try {
        client.peer.close(code, reason);
      } catch {
        // already gone
      }
    }
    this.#clients.clear();
    this.#direct.clear();
    this.#members.clear();
    this.#opts.metrics.wsClients.set(0);
  }

  #send(client: Client, text: string, type: string): void {
    if (this.#deliver(client, text)) this.#opts.metrics.wsMessages.inc({ type });
  }

  /** Sends one text to one client unless it is too slow; true when sent. */
  #deliver(client: Client, text: string): boolean {
    if (client.closed) return false;
    const { maxBufferedBytes } = this.#opts.limits;
    // Checked before sending: a client that stopped reading is dropped instead of growing our memory,
    // and the loop over clients never waits for it.
    const buffered = client.peer.getBufferedAmount();
    if (buffered + text.length > maxBufferedBytes) {
      this.#drop(client, `too slow: ${buffered} bytes unsent`);
      return false;
    }
    if (client.peer.send(text) === 0) {
      this.#drop(client, 'send failed');
      return false;
    }
    return true;
  }

  #drop(client: Client, reason: string): void {
    if (client.closed) return;
    this.#opts.log.warn({ reason }, 'websocket client dropped');
    this.#opts.metrics.wsDropped.inc({ reason: reason.startsWith('too slow') ? 'slow' : 'send_failed' });
    const { peer } = client;
    // Out of every topic at once, so no broadcast reaches it while its close completes.
    for (const topic of client.topics) peer.unsubscribe?.(topic);
    this.close(peer);
    try {
      peer.close(CLOSE_POLICY, reason.slice(0, 120));
    } catch {
      // already closed
    }
    if (peer.terminate) {
      // A client that does not read never completes the close handshake; cut it so its buffer is freed.
      const timer = setTimeout(() => {
        try {
          peer.terminate?.();
        } catch {
          // already gone
        }
      }, TERMINATE_AFTER_MS);
      timer.unref?.();
    }
  }
}
