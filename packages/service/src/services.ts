// The station's services by name: what the launcher starts, the containers run, and the health check asks.

/** The station's services in start order. */
export const SERVICES = ['broker', 'batch-supervisor', 'sync-agent', 'api-gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];
