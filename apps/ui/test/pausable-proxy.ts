// A TCP proxy between the browser and the gateway that can go silent without closing anything: paused,
// it accepts connections and reads bytes but forwards none either way, as a link does whose cable was
// pulled or whose switch rebooted (both ends still think the connection open; requests hang). Resumed,
// it forwards what it held and everything after. Test support for the half-open link (issue 17).
import type { Socket, TCPSocketListener } from 'bun';

/** One direction of a connection: bytes for `to`, held while paused or until `to` can take them. */
class Pipe {
  readonly queue: Uint8Array[] = [];
  to: Socket<Conn> | undefined;
  /** The other side ended: end this one too once everything held is written. */
  ending = false;

  flush(paused: boolean): void {
    const to = this.to;
    if (!to || paused) return;
    while (this.queue.length > 0) {
      const chunk = this.queue[0]!;
      const n = to.write(chunk);
      if (n < chunk.length) {
        // The socket takes the rest when it drains.
        this.queue[0] = chunk.subarray(Math.max(n, 0));
        return;
      }
      this.queue.shift();
    }
    if (this.ending) to.end();
  }
}

interface Conn {
  /** Bytes travelling towards this socket's peer. */
  out: Pipe;
}

export interface PausableProxy extends AsyncDisposable {
  /** The port to point the browser at (127.0.0.1). */
  port: number;
  /** Stops forwarding in both directions; nothing is closed. */
  pause(): void;
  /** Forwards again, what was held first. */
  resume(): void;
  /** Connections accepted so far (a reconnecting page opens new ones). */
  readonly accepted: number;
}

/** Starts a proxy on a free port of 127.0.0.1 that forwards to `targetPort` there. */
export function pausableProxy(targetPort: number): PausableProxy {
  let paused = false;
  let accepted = 0;
  const pipes = new Set<Pipe>();
  const sockets = new Set<Socket<Conn>>();
  const handlers = {
    data(socket: Socket<Conn>, data: Buffer) {
      socket.data.out.queue.push(new Uint8Array(data));
      socket.data.out.flush(paused);
    },
    drain(socket: Socket<Conn>) {
      // This socket can take more: the pipe writing into it is the other one's `out`.
      for (const pipe of pipes) if (pipe.to === socket) pipe.flush(paused);
    },
    close(socket: Socket<Conn>) {
      sockets.delete(socket);
      socket.data.out.ending = true;
      socket.data.out.flush(paused);
    },
    error(socket: Socket<Conn>) {
      socket.end();
    },
  };
  const server: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      ...handlers,
      open(client) {
        accepted += 1;
        sockets.add(client);
        const up = new Pipe(); // client -> gateway
        const down = new Pipe(); // gateway -> client
        down.to = client;
        pipes.add(up).add(down);
        client.data = { out: up };
        void Bun.connect<Conn>({
          hostname: '127.0.0.1',
          port: targetPort,
          data: { out: down },
          socket: {
            ...handlers,
            open(gateway) {
              sockets.add(gateway);
              up.to = gateway;
              up.flush(paused);
            },
          },
        }).catch(() => client.end());
      },
    },
  });
  return {
    port: server.port,
    get accepted() {
      return accepted;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const pipe of pipes) pipe.flush(false);
    },
    async [Symbol.asyncDispose]() {
      server.stop(true);
      for (const s of sockets) s.terminate();
      sockets.clear();
      pipes.clear();
    },
  };
}
