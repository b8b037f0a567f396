/** DEALER (RFC 28 §"The DEALER socket type"): load-balanced sends, fair-queued receives, no envelope. */
import type { SocketOptions } from '../options.ts';
import { BalancedSocket } from './balanced.ts';

/** Asynchronous request/reply client; send waits when every peer is at its high-water mark. */
export class Dealer extends BalancedSocket {
  constructor(options?: SocketOptions) {
    super('DEALER', options);
  }
}
