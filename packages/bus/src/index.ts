// @station/bus: the station protocol on top of ZeroMQ (requests via the broker, events, shared schemas),
// and the broker itself.
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
export * from './shapes.ts';
export type { BusLogger } from './types.ts';
export { type Handlers, type RequestContext, type ServeOptions, serve, type Worker } from './worker.ts';
