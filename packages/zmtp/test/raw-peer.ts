/** A hand-driven ZMTP peer on a raw Bun socket, for handshake, heartbeat and robustness tests. */
import {
  Decoder,
  encodeCommandFrame,
  encodeGreeting,
  encodeMessage,
  encodeReady,
  parseEndpoint,
} from '../src/index.ts';

/** One decoded item the raw peer received. */
export type RawItem = { kind: 'greeting' } | { kind: 'frame'; flags: number; body: Buffer };

interface RawSocket {
  write(data: Uint8Array): number;
  end(): void;
}

/** Raw connection to (or accepted from) our socket. */
export class RawPeer {
  readonly items: RawItem[] = [];
  /** How many reads delivered bytes (one per data callback). */
  reads = 0;
  closed = false;
  private socket: RawSocket | undefined;
  private readonly decoder = new Decoder({
    greeting: () => this.items.push({ kind: 'greeting' }),
    frame: (flags, body) => this.items.push({ kind: 'frame', flags, body: Buffer.from(body) }),
  });
  private decodeFailed = false;

  private readonly handlers = {
    data: (_socket: unknown, chunk: Buffer) => {
      this.reads++;
      if (this.decodeFailed) return;
      try {
        this.decoder.feed(chunk);
      } catch {
        this.decodeFailed = true;
      }
    },
    close: () => {
      this.closed = true;
    },
    error: () => {
      this.closed = true;
    },
    end: () => {
      this.closed = true;
    },
  };

  /** Connects to a bound endpoint of ours. */
  static async connect(endpoint: string): Promise<RawPeer> {
    const peer = new RawPeer();
    const address = parseEndpoint(endpoint);
    peer.socket =
      address.transport === 'tcp'
        ? await Bun.connect({ hostname: address.host, port: address.port, socket: peer.handlers })
        : await Bun.connect({ unix: address.path, socket: peer.handlers });
    return peer;
  }

  /** Listens for one connection from our socket; returns the peer and the endpoint to connect to. */
  static listen(path?: string): { peer: RawPeer; endpoint: string; stop(): void } {
    const peer = new RawPeer();
    const socketHandlers = {
      ...peer.handlers,
      open: (socket: RawSocket) => {
        peer.socket = socket;
      },
    };
    if (path !== undefined) {
      const server = Bun.listen({ unix: path, socket: socketHandlers });
      return { peer, endpoint: `ipc://${path}`, stop: () => server.stop(true) };
    }
    const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: socketHandlers });
    return { peer, endpoint: `tcp://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
  }

  get connected(): boolean {
    return this.socket !== undefined && !this.closed;
  }

  write(bytes: Uint8Array): void {
    this.socket?.write(bytes);
  }

  /** Sends a 3.x NULL greeting and READY of `type`. */
  handshake(type: string, minor = 1): void {
    this.write(encodeGreeting({ major: 3, minor, mechanism: 'NULL', asServer: false }));
    this.write(encodeCommandFrame(encodeReady(type)));
  }

  sendMessage(frames: string[]): void {
    this.write(encodeMessage(frames.map((frame) => Buffer.from(frame))));
  }

  /** Command names received so far (first body bytes after the name length). */
  commands(): string[] {
    return this.items.flatMap((item) =>
      item.kind === 'frame' && (item.flags & 0x04) !== 0
        ? [item.body.toString('latin1', 1, 1 + item.body[0]!)]
        : [],
    );
  }

  close(): void {
    this.socket?.end();
    this.closed = true;
  }
}
