/** Picks the transport of a parsed endpoint: tcp:// or ipc://. */
import type { Address } from '../endpoint.ts';
import { dialIpc, listenIpc } from './ipc.ts';
import { dialTcp, listenTcp } from './tcp.ts';
import type { Listener, OnOpen } from './transport.ts';

/** Binds `address`; streams it accepts are handed to `onOpen`. */
export async function listen(address: Address, onOpen: OnOpen): Promise<Listener> {
  return address.transport === 'tcp'
    ? listenTcp(address.host, address.port, onOpen)
    : listenIpc(address.path, onOpen);
}

/** Connects to `address`; rejects when no stream could be opened. */
export function dial(address: Address, onOpen: OnOpen): Promise<void> {
  return address.transport === 'tcp'
    ? dialTcp(address.host, address.port, onOpen)
    : dialIpc(address.path, onOpen);
}
