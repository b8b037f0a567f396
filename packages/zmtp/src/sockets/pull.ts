/** PULL (RFC 30): fair-queued receives from PUSH peers; it cannot send. */
import { ZmtpError } from '../errors.ts';
import type { SocketOptions } from '../options.ts';
import { Socket } from '../socket-base.ts';

/** Pipeline consumer. */
export class Pull extends Socket {
  constructor(options?: SocketOptions) {
    super('PULL', options);
  }

  protected override trySend(): boolean {
    throw new ZmtpError('STATE', 'a PULL socket cannot send');
  }
}
