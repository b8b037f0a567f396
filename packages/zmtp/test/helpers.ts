/** Test helpers: endpoints per transport, polling with deadlines, event waits, socket cleanup. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../../../tests/support/process.ts';
import type { EventOf, Socket, SocketEventType } from '../src/index.ts';

export type TransportName = 'tcp' | 'ipc';
export const TRANSPORTS: TransportName[] = ['tcp', 'ipc'];

/** Creates endpoints for one test and removes temp dirs and sockets afterwards. */
export class Fixture {
  private readonly sockets: Socket[] = [];
  private readonly dirs: string[] = [];
  private counter = 0;

  constructor(readonly transport: TransportName) {}

  /** A bindable endpoint: port 0 for tcp, a fresh path for ipc. */
  endpoint(): string {
    if (this.transport === 'tcp') return 'tcp://127.0.0.1:0';
    return `ipc://${this.path()}`;
  }

  /** A fresh socket path inside a temp dir owned by this fixture. */
  path(): string {
    if (this.dirs.length === 0) this.dirs.push(mkdtempSync(join(tmpdir(), 'zmtp-test-')));
    return join(this.dirs[0]!, `s${this.counter++}.sock`);
  }

  /** Registers a socket for close() in cleanup. */
  track<T extends Socket>(socket: T): T {
    this.sockets.push(socket);
    return socket;
  }

  /** Binds `socket` to a fresh endpoint and returns the resolved endpoint. */
  async bind(socket: Socket): Promise<string> {
    await socket.bind(this.endpoint());
    return socket.lastEndpoint!;
  }

  cleanup(): void {
    for (const socket of this.sockets) socket.close();
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** The shared `until` (tests/support), polling every 2 ms, with zmtp's argument order. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  await until(check, what, timeoutMs, 2);
}

/** Resolves with the next event of `type` on `socket`. */
export function nextEvent<T extends SocketEventType>(
  socket: Socket,
  type: T,
  timeoutMs = 5000,
): Promise<EventOf<T>> {
  const { promise, resolve, reject } = Promise.withResolvers<EventOf<T>>();
  const timer = setTimeout(() => {
    off();
    reject(new Error(`timed out waiting for event ${type}`));
  }, timeoutMs);
  const off = socket.events.on(type, (event) => {
    clearTimeout(timer);
    off();
    resolve(event as EventOf<T>);
  });
  return promise;
}

/** Rejects if `promise` does not settle in time, so a hung receive fails the test quickly. */
export async function within<T>(promise: Promise<T>, timeoutMs = 5000, what = 'operation'): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Frames as strings, for whole-message comparisons. */
export const text = (message: Buffer[]): string[] => message.map((frame) => frame.toString());
