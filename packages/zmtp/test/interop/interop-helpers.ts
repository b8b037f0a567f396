/** Shared pieces of the libzmq interop suite: transports table, cleanup scope, payload tables. */

import { afterEach, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket, SocketEvent } from '../../src/index.ts';
import { killAllPeers, LibzmqPeer, type TheirType } from './libzmq-peer.ts';

/** Every behaviour runs once per transport. */
export const transports = ['tcp', 'ipc'] as const;
export type Transport = (typeof transports)[number];

/** Any of our sockets. */
export type OurSocket = Socket;
/** One of our socket events. */
export type OurEvent = SocketEvent;

const sockets = new Set<OurSocket>();
const dirs = new Set<string>();

/** Closes our sockets, kills every Node peer and removes temp dirs after each test; raises the timeout. */
export function useInteropCleanup(): void {
  // Above every wait inside the tests (at most 10 s), so a lost message fails with its own message.
  setDefaultTimeout(20_000);
  afterEach(async () => {
    for (const sock of sockets) sock.close();
    sockets.clear();
    await killAllPeers();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    dirs.clear();
  });
}

/** Tracks one of our sockets for cleanup and returns it. */
export function ours<T extends OurSocket>(sock: T): T {
  sockets.add(sock);
  return sock;
}

/** Starts a Node libzmq peer (killed in afterEach). */
export function theirs(): Promise<LibzmqPeer> {
  return LibzmqPeer.start();
}

/** A bindable endpoint: tcp port 0 on loopback, or a socket file in a fresh temp dir. */
export function endpoint(transport: Transport): string {
  if (transport === 'tcp') return 'tcp://127.0.0.1:0';
  const dir = mkdtempSync(join(tmpdir(), 'zmtp-interop-'));
  dirs.add(dir);
  return `ipc://${join(dir, 'peer.sock')}`;
}

/** Records our socket's events from now on and lets a test wait for one. */
export function watch(sock: OurSocket): {
  events: OurEvent[];
  wait(type: string, timeout?: number, since?: number): Promise<OurEvent>;
} {
  const events: OurEvent[] = [];
  const wakers = new Set<() => void>();
  sock.events.on('*', (event) => {
    events.push(event);
    for (const wake of wakers) wake();
  });
  async function wait(type: string, timeout = 5000, since = 0): Promise<OurEvent> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = events.slice(since).find((event) => event.type === type);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = events.map((event) => event.type).join(', ');
        throw new Error(`our socket emitted no '${type}' within ${timeout} ms (saw: ${seen})`);
      }
      const next = Promise.withResolvers<void>();
      wakers.add(next.resolve);
      const timer = setTimeout(next.resolve, left);
      await next.promise;
      clearTimeout(timer);
      wakers.delete(next.resolve);
    }
  }
  return { events, wait };
}

/** Rejects when `promise` has not settled within `ms` (so a lost message fails the test, not the run). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Our receive with a deadline. */
export function receive(sock: OurSocket, ms = 5000): Promise<Buffer[]> {
  return within(sock.receive(), ms, 'our receive');
}

/** `length` bytes of a recognisable pattern, shifted by `seed` so frames differ. */
export function bytes(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) out[i] = (i + seed) % 251;
  return out;
}

/** Frame contents comparable with toEqual: hex for small frames, length and hash for large ones. */
export function fingerprint(frames: readonly (Uint8Array | string)[]): string[] {
  return frames.map((frame) => {
    const data = typeof frame === 'string' ? Buffer.from(frame) : frame;
    if (data.length <= 600) return Buffer.from(data).toString('hex');
    return `${data.length} bytes, hash ${Bun.hash(data).toString(16)}`;
  });
}

/** Fingerprints of a list of messages. */
export function fingerprints(messages: readonly (readonly (Uint8Array | string)[])[]): string[][] {
  return messages.map(fingerprint);
}

/** How their socket is made: its type, its options, and what it does before the link (subscribe, echo). */
export interface TheirSide {
  type: TheirType;
  options?: Record<string, unknown>;
  prepare?: (peer: LibzmqPeer) => Promise<unknown>;
}

/** Ours binds `sock`, theirs connects to it; returns their peer once both ends have shaken hands. */
export async function theyConnect(
  sock: OurSocket,
  transport: Transport,
  their: TheirSide,
): Promise<LibzmqPeer> {
  const events = watch(sock);
  await sock.bind(endpoint(transport));
  const peer = await theirs();
  await peer.create(their.type, their.options);
  await their.prepare?.(peer);
  await peer.connect(String(sock.lastEndpoint));
  await peer.waitEvent('handshake');
  await events.wait('handshake');
  return peer;
}

/** Theirs binds, ours connects `sock` to it; returns their peer once both ends have shaken hands. */
export async function weConnect(
  sock: OurSocket,
  transport: Transport,
  their: TheirSide,
): Promise<LibzmqPeer> {
  const peer = await theirs();
  await peer.create(their.type, their.options);
  const bound = await peer.bind(endpoint(transport));
  await their.prepare?.(peer);
  const events = watch(sock);
  sock.connect(bound);
  await events.wait('handshake');
  await peer.waitEvent('handshake');
  return peer;
}

/** A message as the tests write it: frames of bytes or text. */
export type Frames = (Uint8Array | string)[];

/** Messages at the framing edges: empty frames, 0-byte bodies, the 255/256 short/long switch. */
export const boundaryMessages: (Uint8Array | string)[][] = [
  [''],
  ['', ''],
  [bytes(0), 'tail'],
  [bytes(255)],
  [bytes(256)],
  [bytes(255, 1), bytes(256, 2), '', bytes(257, 3)],
];

/** One MiB, sent as a single frame (long-size framing). */
export const oneMiB: Uint8Array = bytes(1024 * 1024, 7);

/** A stream of 1,000 multipart messages whose sizes sweep across the short/long boundary. */
export function multipartStream(count = 1000): (Uint8Array | string)[][] {
  return Array.from({ length: count }, (_, i) => [`m${i}`, bytes((i * 37) % 300, i), '']);
}

/**
 * The three message sets every socket pair must carry unchanged, one test each: the framing edges, a
 * 1 MiB message (`large`, framed as the pattern wants it), and a 1,000-message multipart stream.
 */
export function carriesMessageSets(carry: (messages: Frames[]) => Promise<unknown>, large: Frames[]): void {
  test('payload boundaries', () => carry(boundaryMessages));
  test('1 MiB message', () => carry(large));
  test('1,000-message multipart stream', () => carry(multipartStream()));
}

/** Polls `attempt` until it returns a value, failing after `timeout` ms. */
export async function eventually<T>(
  attempt: () => Promise<T | undefined>,
  timeout: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout} ms`);
  }
}

/**
 * Keeps sending probes until `pending` (a receive already started) settles, then returns its message.
 * Used where a subscription has to reach a PUB before anything sent is delivered (the slow joiner).
 */
export async function probeUntil<T>(
  sendProbe: () => Promise<void>,
  pending: Promise<T>,
  timeout = 5000,
): Promise<T> {
  let settled = false;
  const done = pending.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  const deadline = Date.now() + timeout;
  while (!settled) {
    if (Date.now() > deadline) throw new Error(`no probe delivered within ${timeout} ms`);
    await sendProbe();
    await Promise.race([done, Bun.sleep(20)]);
  }
  return pending;
}

/** Receives `count` messages with `receiveOne`, dropping probes (leftovers of probeUntil). */
export async function receiveSkipping(
  receiveOne: () => Promise<Buffer[]>,
  count: number,
  isProbe: (message: Buffer[]) => boolean,
): Promise<Buffer[][]> {
  const messages: Buffer[][] = [];
  while (messages.length < count) {
    const message = await receiveOne();
    if (!isProbe(message)) messages.push(message);
  }
  return messages;
}

/** True for a one-frame message equal to `text`. */
export function isText(message: readonly Uint8Array[], text: string): boolean {
  return message.length === 1 && Buffer.from(message[0] ?? []).toString() === text;
}
