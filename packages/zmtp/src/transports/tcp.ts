/** tcp:// transport on Bun sockets: listen (port 0 resolves to the real port) and dial, Nagle off. */
import { formatTcp } from '../endpoint.ts';
import { ZmtpError } from '../errors.ts';
import { handlers, type Listener, type OnOpen, type Slot, wrap } from './transport.ts';

/** Binds `host:port`; ADDRESS_IN_USE when taken. */
export function listenTcp(host: string, port: number, onOpen: OnOpen): Listener {
  let server: Bun.TCPSocketListener<Slot>;
  try {
    server = Bun.listen<Slot>({
      hostname: host,
      port,
      data: { handlers: undefined, onOpen, closed: false },
      socket: {
        ...handlers,
        open(socket) {
          socket.setNoDelay(true);
          // Each accepted socket needs its own slot; the listen-level `data` is shared.
          socket.data = { handlers: undefined, onOpen, closed: false };
          socket.data.handlers = onOpen(wrap(socket, formatTcp(socket.remoteAddress, socket.remotePort)));
        },
      },
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      throw new ZmtpError('ADDRESS_IN_USE', `${formatTcp(host, port)} is already in use`, { cause: error });
    }
    throw new ZmtpError('BAD_ENDPOINT', `cannot listen on ${formatTcp(host, port)}`, { cause: error });
  }
  return {
    endpoint: formatTcp(host, server.port),
    close: async () => server.stop(false),
  };
}

/** Connects to `host:port`; rejects when the connection cannot be established. */
export async function dialTcp(host: string, port: number, onOpen: OnOpen): Promise<void> {
  await Bun.connect<Slot>({
    hostname: host,
    port,
    data: { handlers: undefined, onOpen, closed: false },
    socket: {
      ...handlers,
      open(socket) {
        socket.setNoDelay(true);
        socket.data.handlers = socket.data.onOpen(wrap(socket, formatTcp(host, port)));
      },
      connectError() {
        // The rejected promise reports it.
      },
    },
  });
}
