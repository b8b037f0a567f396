/** PUB (RFC 29 §"The PUB socket type"): sends to matching subscribers, drops at the high-water mark. */
import { ZmtpError } from '../errors.ts';
import type { SocketOptions } from '../options.ts';
import type { Message } from '../socket-base.ts';
import { Publisher } from './xpub.ts';

/** Publisher; subscriptions are handled internally and never reach the application. */
export class Pub extends Publisher {
  constructor(options: SocketOptions = {}) {
    super('PUB', options);
  }

  override receive(): Promise<Message> {
    return Promise.reject(new ZmtpError('STATE', 'a PUB socket cannot receive'));
  }

  protected override pass(): void {}

  protected override passMessage(): void {}
}
