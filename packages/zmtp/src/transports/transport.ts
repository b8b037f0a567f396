/** The byte-stream abstraction connections run on, shared by the tcp and ipc transports. */

/** Writable side of one established stream. */
export interface Wire {
  /**
   * Writes what the kernel takes now of `data[offset, offset + length)`; returns the number of bytes
   * accepted (-1 when closed). The bytes are copied before it returns, so `data` may be reused.
   */
  write(data: Uint8Array, offset: number, length: number): number;
  /** Graceful close (FIN after anything already handed to the kernel). */
  end(): void;
  pause(): void;
  resume(): void;
  /** Human-readable peer address for events. */
  readonly peer: string;
}

/** Callbacks a stream delivers to its connection. */
export interface WireHandlers {
  data(chunk: Buffer): void;
  drain(): void;
  close(reason?: string): void;
}

/** A bound endpoint that accepts streams until closed. */
export interface Listener {
  /** The resolved endpoint (real port for `tcp://...:0`). */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Produces the handlers of a freshly opened stream. */
export type OnOpen = (wire: Wire) => WireHandlers;

/** Bun socket data slot: the handlers are filled in once the stream opens. */
export interface Slot {
  handlers: WireHandlers | undefined;
  onOpen: OnOpen;
  closed: boolean;
}

/** Minimal shape of a Bun socket used by the transports. */
export interface BunSocketLike {
  data: Slot;
  write(data: Uint8Array, offset: number, length: number): number;
  end(): void;
  pause(): void;
  resume(): void;
}

/** Wraps a Bun socket as a Wire. */
export function wrap(socket: BunSocketLike, peer: string): Wire {
  return {
    write: (data, offset, length) => socket.write(data, offset, length),
    end: () => socket.end(),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    peer,
  };
}

/** Bun socket handler table shared by both transports. */
export const handlers = {
  data(socket: BunSocketLike, chunk: Buffer): void {
    socket.data.handlers?.data(chunk);
  },
  drain(socket: BunSocketLike): void {
    socket.data.handlers?.drain();
  },
  close(socket: BunSocketLike, error?: Error): void {
    if (socket.data.closed) return;
    socket.data.closed = true;
    socket.data.handlers?.close(error?.message);
  },
  error(socket: BunSocketLike, error: Error): void {
    if (socket.data.closed) return;
    socket.data.closed = true;
    socket.data.handlers?.close(error.message);
  },
  end(socket: BunSocketLike): void {
    // The peer sent FIN: ZMTP has no half-close, so treat it as the end of the connection.
    socket.end();
  },
};
