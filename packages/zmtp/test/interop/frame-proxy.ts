/**
 * A ZMTP-aware man in the middle for the CURVE tests: forwards greetings and frames between a client and
 * a server, and lets a test rewrite, drop, repeat or reorder the frames going one way after the handshake.
 */
import { Decoder, encodeFrame, encodeGreeting, parseEndpoint } from '../../src/index.ts';

/** A frame as it travels: its flags byte and body. */
export interface ProxyFrame {
  flags: number;
  body: Buffer;
}

/** Which way a frame goes. */
export type Direction = 'toServer' | 'toClient';

/** Decides what is forwarded in place of `frame`: a list of frames (empty = drop it). */
export type Rewrite = (frame: ProxyFrame, index: number) => ProxyFrame[];

interface Side {
  write(data: Uint8Array): number;
  end(): void;
}

/** One proxied connection. */
class Link {
  client: Side | undefined;
  server: Side | undefined;
  pendingToServer: Uint8Array[] = [];
  closed = false;
  readonly count = { toServer: 0, toClient: 0 };
  readonly decoders: Record<Direction, Decoder>;

  constructor(private readonly proxy: FrameProxy) {
    const decoderFor = (direction: Direction) =>
      new Decoder({
        greeting: (greeting) => this.forward(direction, encodeGreeting(greeting)),
        frame: (flags, body) => {
          const index = this.count[direction]++;
          const rewrite = this.proxy.rewrites[direction];
          const frames =
            rewrite === undefined ? [{ flags, body }] : rewrite({ flags, body: Buffer.from(body) }, index);
          for (const frame of frames) this.forward(direction, encodeFrame(frame.body, frame.flags));
        },
      });
    this.decoders = { toServer: decoderFor('toServer'), toClient: decoderFor('toClient') };
  }

  feed(direction: Direction, chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.decoders[direction].feed(chunk);
    } catch {
      this.close();
    }
  }

  forward(direction: Direction, bytes: Uint8Array): void {
    if (direction === 'toClient') {
      this.client?.write(bytes);
    } else if (this.server === undefined) {
      this.pendingToServer.push(Uint8Array.from(bytes));
    } else {
      this.server.write(bytes);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client?.end();
    this.server?.end();
  }
}

/** Listens where the client connects and dials the server for each connection. */
export class FrameProxy {
  /** Rewrites per direction; frames are counted per connection from 0 (the first command after the greeting). */
  readonly rewrites: Partial<Record<Direction, Rewrite>> = {};
  readonly links: Link[] = [];
  private stopListener: (() => void) | undefined;
  endpoint = '';

  private constructor(private readonly upstream: string) {}

  /** Proxies `listen` (tcp port 0 or an ipc path) to the server at `upstream`. */
  static start(listen: string, upstream: string): FrameProxy {
    const proxy = new FrameProxy(upstream);
    const address = parseEndpoint(listen);
    const handlers = {
      open: (socket: Side & { data: Link | undefined }) => {
        const link = new Link(proxy);
        link.client = socket;
        socket.data = link;
        proxy.links.push(link);
        void proxy.dial(link);
      },
      data: (socket: { data: Link | undefined }, chunk: Buffer) => socket.data?.feed('toServer', chunk),
      close: (socket: { data: Link | undefined }) => socket.data?.close(),
      error: (socket: { data: Link | undefined }) => socket.data?.close(),
    };
    if (address.transport === 'tcp') {
      const server = Bun.listen<Link | undefined>({ hostname: '127.0.0.1', port: 0, socket: handlers });
      proxy.endpoint = `tcp://127.0.0.1:${server.port}`;
      proxy.stopListener = () => server.stop(true);
    } else {
      const server = Bun.listen<Link | undefined>({ unix: address.path, socket: handlers });
      proxy.endpoint = listen;
      proxy.stopListener = () => server.stop(true);
    }
    return proxy;
  }

  private async dial(link: Link): Promise<void> {
    const address = parseEndpoint(this.upstream);
    const handlers = {
      data: (_socket: unknown, chunk: Buffer) => link.feed('toClient', chunk),
      close: () => link.close(),
      error: () => link.close(),
    };
    try {
      const server =
        address.transport === 'tcp'
          ? await Bun.connect({ hostname: address.host, port: address.port, socket: handlers })
          : await Bun.connect({ unix: address.path, socket: handlers });
      if (link.closed) {
        server.end();
        return;
      }
      link.server = server;
      for (const bytes of link.pendingToServer) server.write(bytes);
      link.pendingToServer = [];
    } catch {
      link.close();
    }
  }

  /** Stops listening and cuts every proxied connection. */
  stop(): void {
    this.stopListener?.();
    for (const link of this.links) link.close();
  }
}
