// @station/bus: the station protocol on top of ZeroMQ (requests via the broker, events, the method
// contract), and the broker itself. The shapes it carries are @station/model's.
export { Broker, type BrokerOptions } from './broker/broker.ts';
export type { BrokerMethods, BrokerObserver, BrokerStats } from './broker/observer.ts';
export { BusClient, type ClientOptions, type RequestOptions } from './client.ts';
export * from './contract.ts';
export { BusError, type BusErrorCode, type ErrorBody, fromErrorBody, toErrorBody } from './errors.ts';
export {
  Publisher,
  type PublisherOptions,
  type ReceivedEvent,
  Subscriber,
  type SubscriberOptions,
} from './events.ts';
export * as protocol from './protocol.ts';
export { type BusLogger, silentLogger } from './types.ts';
export { type Handlers, type RequestContext, type ServeOptions, serve, type Worker } from './worker.ts';
