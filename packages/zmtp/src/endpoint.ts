/** Endpoint strings: `tcp://host:port` and `ipc:///path`, parsed once into a typed address. */
import { ZmtpError } from './errors.ts';

/** A parsed endpoint. */
export type Address =
  | { transport: 'tcp'; host: string; port: number; endpoint: string }
  | { transport: 'ipc'; path: string; endpoint: string };

/** Parses an endpoint; throws BAD_ENDPOINT for anything else. */
export function parseEndpoint(endpoint: string): Address {
  const match = /^([a-z]+):\/\/(.+)$/.exec(endpoint);
  const transport = match?.[1];
  const rest = match?.[2];
  if (transport === undefined || rest === undefined) {
    throw new ZmtpError('BAD_ENDPOINT', `"${endpoint}" is not transport://address`);
  }
  if (transport === 'ipc') return { transport, path: rest, endpoint };
  if (transport !== 'tcp') {
    throw new ZmtpError('BAD_ENDPOINT', `transport "${transport}" is not supported (tcp, ipc)`);
  }
  const hostPort = /^(\[[^\]]+\]|[^:]+):(\d+|\*)$/.exec(rest);
  if (hostPort === null) throw new ZmtpError('BAD_ENDPOINT', `"${endpoint}" has no host:port`);
  let host = hostPort[1]!;
  if (host.startsWith('[')) host = host.slice(1, -1);
  if (host === '*') host = '0.0.0.0';
  const port = hostPort[2] === '*' ? 0 : Number(hostPort[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ZmtpError('BAD_ENDPOINT', `"${endpoint}" has an invalid port`);
  }
  return { transport, host, port, endpoint };
}

/** Formats a tcp endpoint, bracketing IPv6 hosts. */
export function formatTcp(host: string, port: number): string {
  return host.includes(':') ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}
