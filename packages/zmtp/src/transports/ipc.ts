/** ipc:// transport on unix domain sockets; a stale socket file is replaced, a live one never stolen. */
import { lstatSync, unlinkSync } from 'node:fs';
import { ZmtpError } from '../errors.ts';
import { handlers, type Listener, type OnOpen, type Slot, wrap } from './transport.ts';

/** Binds a unix socket at `path`. */
export async function listenIpc(path: string, onOpen: OnOpen): Promise<Listener> {
  const endpoint = `ipc://${path}`;
  await clearStale(path, endpoint);
  let server: Bun.UnixSocketListener<Slot>;
  try {
    server = Bun.listen<Slot>({
      unix: path,
      data: { handlers: undefined, onOpen, closed: false },
      socket: {
        ...handlers,
        open(socket) {
          socket.data = { handlers: undefined, onOpen, closed: false };
          socket.data.handlers = onOpen(wrap(socket, endpoint));
        },
      },
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const kind = code === 'EADDRINUSE' ? 'ADDRESS_IN_USE' : 'BAD_ENDPOINT';
    throw new ZmtpError(kind, `cannot listen on ${endpoint}`, { cause: error });
  }
  const inode = inodeOf(path);
  return {
    endpoint,
    close: async () => {
      server.stop(false);
      // Only remove the file if it is still ours: another process may have rebound the path since.
      if (inode !== undefined && inodeOf(path) === inode) unlinkQuietly(path);
    },
  };
}

/** Connects to the unix socket at `path`. */
export async function dialIpc(path: string, onOpen: OnOpen): Promise<void> {
  const endpoint = `ipc://${path}`;
  await Bun.connect<Slot>({
    unix: path,
    data: { handlers: undefined, onOpen, closed: false },
    socket: {
      ...handlers,
      open(socket) {
        socket.data.handlers = socket.data.onOpen(wrap(socket, endpoint));
      },
      connectError() {
        // The rejected promise reports it.
      },
    },
  });
}

async function clearStale(path: string, endpoint: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new ZmtpError('ADDRESS_IN_USE', `${path} exists and is not a socket`);
  const live = await Bun.connect({
    unix: path,
    socket: { data() {}, connectError() {} },
  }).then(
    (probe) => {
      probe.end();
      return true;
    },
    () => false,
  );
  if (live) throw new ZmtpError('ADDRESS_IN_USE', `${endpoint} is served by a live process`);
  unlinkQuietly(path);
}

function inodeOf(path: string): number | undefined {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
