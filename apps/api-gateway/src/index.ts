// @station/api-gateway: the station's REST API, WebSocket fan-out, OpenAPI, metrics and UI files.
export { createApp, type GatewayApp } from './app.ts';
export { CSV_COLUMNS, csvField, executionToCsv } from './csv.ts';
export { ApiError, type ApiErrorCode, type ErrorResponse, statusOfCode } from './errors.ts';
export { checkHealth, DISK_THRESHOLD, type HealthStatus } from './health.ts';
export { defaultProbes } from './probes.ts';
export { type ListenOptions, listen, type RunningGateway } from './server.ts';
export { DEFAULT_PUBLIC_DIR } from './static.ts';
export type * from './types.ts';
