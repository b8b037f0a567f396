/** Drives a libzmq socket (zeromq.js under Node, see libzmq-peer-fixture.cjs) from a Bun test. */
import { join } from 'node:path';
import type { Subprocess } from 'bun';

const fixture = join(import.meta.dir, 'libzmq-peer-fixture.cjs');
/** Node binary running the fixture; override with ZMTP_INTEROP_NODE. */
const nodeBinary = process.env.ZMTP_INTEROP_NODE ?? 'node';

/** Socket types the fixture can create (zeromq.js v6 classes). */
export type TheirType =
  | 'req'
  | 'rep'
  | 'dealer'
  | 'router'
  | 'pub'
  | 'sub'
  | 'xpub'
  | 'xsub'
  | 'push'
  | 'pull'
  | 'pair';

/** An event reported by libzmq's socket monitor, e.g. 'handshake' or 'disconnect'. */
export interface TheirEvent {
  event: string;
  socket: string;
  address?: string;
  count?: number;
}

interface Reply {
  id?: number;
  ok?: boolean;
  error?: string;
  code?: string;
  [key: string]: unknown;
}

/** Frames as sent over the JSON line protocol. */
function encode(frames: readonly (Uint8Array | string)[]): string[] {
  return frames.map((frame) => Buffer.from(frame).toString('base64'));
}

function decode(frames: readonly string[]): Buffer[] {
  return frames.map((frame) => Buffer.from(frame, 'base64'));
}

/** Reads a byte stream chunk by chunk (the lib typings lack ReadableStream's async iterator). */
async function* chunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

// Every peer ever started, so afterEach can kill the ones a failed test left behind.
const running = new Set<LibzmqPeer>();

/** Kills every peer still running (call from afterEach). */
export async function killAllPeers(): Promise<void> {
  await Promise.all([...running].map((peer) => peer.kill()));
}

/** One Node child process holding libzmq sockets, addressed by name (default 's'). */
export class LibzmqPeer {
  readonly events: TheirEvent[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, PromiseWithResolvers<Reply>>();
  private readonly eventWaiters = new Set<() => void>();
  private stderr = '';
  private exitedFlag = false;

  private constructor(private readonly proc: Subprocess<'pipe', 'pipe', 'pipe'>) {}

  /** Starts a peer and waits until zeromq.js is loaded. */
  static async start(): Promise<LibzmqPeer> {
    const proc = Bun.spawn([nodeBinary, fixture], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' });
    const peer = new LibzmqPeer(proc);
    running.add(peer);
    const ready = Promise.withResolvers<void>();
    peer.readLines(ready);
    peer.collectStderr();
    proc.exited.then(() => {
      peer.exitedFlag = true;
      running.delete(peer);
      const error = new Error(`libzmq peer exited: ${peer.stderr.slice(-2000)}`);
      ready.reject(error);
      for (const waiter of peer.pending.values()) waiter.reject(error);
      peer.pending.clear();
    });
    await ready.promise;
    return peer;
  }

  get pid(): number {
    return this.proc.pid;
  }

  get exited(): boolean {
    return this.exitedFlag;
  }

  /** Sends one request and resolves with its reply; rejects when the peer reports an error. */
  async call(op: string, args: Record<string, unknown> = {}): Promise<Reply> {
    const id = this.nextId++;
    const waiter = Promise.withResolvers<Reply>();
    this.pending.set(id, waiter);
    this.proc.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    this.proc.stdin.flush();
    const reply = await waiter.promise;
    if (reply.ok !== true) throw new Error(`libzmq peer ${op} failed: ${reply.error} (${reply.code})`);
    return reply;
  }

  /** Creates their socket of `type` named `socket` with zeromq.js options. */
  async create(type: TheirType, options: Record<string, unknown> = {}, socket = 's'): Promise<void> {
    await this.call('create', { type, options, socket });
  }

  /** Binds and returns the resolved endpoint (real port for tcp port 0). */
  async bind(endpoint: string, socket = 's'): Promise<string> {
    const reply = await this.call('bind', { endpoint, socket });
    return String(reply.endpoint);
  }

  async connect(endpoint: string, socket = 's'): Promise<void> {
    await this.call('connect', { endpoint, socket });
  }

  async send(frames: readonly (Uint8Array | string)[], socket = 's'): Promise<void> {
    await this.call('send', { frames: encode(frames), socket });
  }

  async sendMany(messages: readonly (readonly (Uint8Array | string)[])[], socket = 's'): Promise<void> {
    await this.call('sendMany', { messages: messages.map(encode), socket });
  }

  /** Sends each message and waits for its reply before the next (REQ); returns the replies. */
  async roundTrips(
    messages: readonly (readonly (Uint8Array | string)[])[],
    timeout = 5000,
    socket = 's',
  ): Promise<Buffer[][]> {
    const reply = await this.call('roundTrips', { messages: messages.map(encode), timeout, socket });
    const replies = (reply.replies as string[][]).map(decode);
    if (reply.timeout === true) {
      throw new Error(`libzmq peer got ${replies.length} of ${messages.length} replies`);
    }
    return replies;
  }

  /** Receives one message; rejects after `timeout` ms (default 5 s) so a lost message fails fast. */
  async receive(timeout = 5000, socket = 's'): Promise<Buffer[]> {
    const reply = await this.call('receive', { timeout, socket });
    if (reply.timeout === true) throw new Error(`libzmq peer received nothing within ${timeout} ms`);
    return decode(reply.frames as string[]);
  }

  /** Resolves with a message, or undefined when none arrives within `timeout` ms. */
  async receiveOrNothing(timeout: number, socket = 's'): Promise<Buffer[] | undefined> {
    const reply = await this.call('receive', { timeout, socket });
    return reply.timeout === true ? undefined : decode(reply.frames as string[]);
  }

  async receiveMany(count: number, timeout = 5000, socket = 's'): Promise<Buffer[][]> {
    const reply = await this.call('receiveMany', { count, timeout, socket });
    const messages = (reply.messages as string[][]).map(decode);
    if (reply.timeout === true) {
      throw new Error(`libzmq peer received ${messages.length} of ${count} messages`);
    }
    return messages;
  }

  async subscribe(topic?: Uint8Array | string, socket = 's'): Promise<void> {
    await this.call('subscribe', { topic: topic === undefined ? undefined : encode([topic])[0], socket });
  }

  async unsubscribe(topic?: Uint8Array | string, socket = 's'): Promise<void> {
    await this.call('unsubscribe', { topic: topic === undefined ? undefined : encode([topic])[0], socket });
  }

  /** Starts echoing every message back (ROUTER keeps the envelope, REP replies). */
  async echo(socket = 's'): Promise<void> {
    await this.call('echo', { socket });
  }

  /**
   * Starts (or re-arms) a ZAP handler in the peer's process that lets only these client keys (Z85) through
   * a CURVE server; call it before creating the server socket. Each decision is reported as a 'zap' event
   * with the key as `address` and 200/400 as `count`.
   */
  async zap(allow: readonly string[]): Promise<void> {
    await this.call('zap', { allow });
  }

  /** A key pair made by libzmq (Z85). */
  async keyPair(): Promise<{ publicKey: string; secretKey: string }> {
    const reply = await this.call('keyPair');
    return { publicKey: String(reply.publicKey), secretKey: String(reply.secretKey) };
  }

  async close(socket = 's'): Promise<void> {
    await this.call('close', { socket });
  }

  /** Waits until libzmq reported an event of `type` (from index `since`; of socket `socket` if given). */
  async waitEvent(type: string, timeout = 5000, since = 0, socket?: string): Promise<TheirEvent> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = this.events
        .slice(since)
        .find((event) => event.event === type && (socket === undefined || event.socket === socket));
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.events.map((event) => event.event).join(', ');
        throw new Error(`libzmq peer saw no '${type}' within ${timeout} ms (saw: ${seen})`);
      }
      const next = Promise.withResolvers<void>();
      this.eventWaiters.add(next.resolve);
      const timer = setTimeout(next.resolve, left);
      await next.promise;
      clearTimeout(timer);
      this.eventWaiters.delete(next.resolve);
    }
  }

  /**
   * Freezes the process (SIGSTOP): its sockets stay open but it answers nothing, not even PINGs. Resolves
   * once the kernel reports it stopped: the signal is asynchronous, and a peer still running for a few
   * milliseconds could complete a handshake the test means to starve.
   */
  async freeze(): Promise<void> {
    this.proc.kill('SIGSTOP');
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      const stat = await Bun.file(`/proc/${this.proc.pid}/stat`)
        .text()
        .catch(() => '');
      // Field 3, after the parenthesised command name: T = stopped by a signal.
      if (/\) [Tt] /.test(stat)) return;
      await Bun.sleep(1);
    }
    throw new Error(`libzmq peer ${this.proc.pid} did not stop within 2 s of SIGSTOP`);
  }

  /** Lets a frozen process run again (SIGCONT). */
  thaw(): void {
    this.proc.kill('SIGCONT');
  }

  /** Kills the process (continuing it first if frozen) and waits for it to exit. */
  async kill(): Promise<void> {
    if (!this.exitedFlag) {
      this.proc.kill('SIGCONT');
      this.proc.kill('SIGKILL');
    }
    await this.proc.exited;
    running.delete(this);
  }

  private async readLines(ready: PromiseWithResolvers<void>): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of chunks(this.proc.stdout)) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        this.dispatch(JSON.parse(line) as Reply & Partial<TheirEvent>, ready);
        newline = buffered.indexOf('\n');
      }
    }
  }

  private dispatch(message: Reply & Partial<TheirEvent>, ready: PromiseWithResolvers<void>): void {
    if (message.ready === true) {
      ready.resolve();
    } else if (typeof message.event === 'string') {
      this.events.push(message as TheirEvent);
      for (const wake of this.eventWaiters) wake();
    } else if (typeof message.id === 'number') {
      this.pending.get(message.id)?.resolve(message);
      this.pending.delete(message.id);
    }
  }

  private async collectStderr(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of chunks(this.proc.stderr))
      this.stderr += decoder.decode(chunk, { stream: true });
  }
}
