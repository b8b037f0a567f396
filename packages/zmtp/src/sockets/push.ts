/** PUSH (RFC 30): load-balanced sends to PULL peers; it cannot receive. */
import { ZmtpError } from '../errors.ts';
import type { SocketOptions } from '../options.ts';
import type { Message } from '../socket-base.ts';
import { BalancedSocket } from './balanced.ts';

/** Pipeline producer; send waits when every peer is at its high-water mark. */
export class Push extends BalancedSocket {
  constructor(options?: SocketOptions) {
    super('PUSH', options);
  }

  override receive(): Promise<Message> {
    return Promise.reject(new ZmtpError('STATE', 'a PUSH socket cannot receive'));
  }
}
