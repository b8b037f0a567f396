/** SUB (RFC 29 §"The SUB socket type"): receives messages matching its subscriptions; cannot send. */
import { ZmtpError } from '../errors.ts';
import type { Frame } from '../message.ts';
import type { SocketOptions } from '../options.ts';
import { Subscriber } from './xsub.ts';

/** Subscriber; use subscribe()/unsubscribe() instead of send(). */
export class Sub extends Subscriber {
  constructor(options: SocketOptions = {}) {
    super('SUB', options);
  }

  override send(_frames?: Frame | readonly Frame[]): Promise<void> {
    return Promise.reject(new ZmtpError('STATE', 'a SUB socket cannot send; use subscribe()'));
  }
}
