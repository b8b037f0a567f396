// Derived defaults and path resolution: relative folders and ipc:// paths are taken relative to the
// folder of the config file (not the process's cwd), so a service started from anywhere finds the same
// files.
import { isAbsolute, join, resolve } from 'node:path';
import type { StaticDecode } from '@sinclair/typebox';
import type { CurveConfig, StationConfig, StationConfigSchema } from './schema.ts';

type Decoded = StaticDecode<typeof StationConfigSchema>;

/** Resolves a folder from the config file against the file's own folder. */
export function resolveDir(configDir: string, dir: string): string {
  return isAbsolute(dir) ? resolve(dir) : resolve(configDir, dir);
}

/** Makes an `ipc://` endpoint's path absolute; `tcp://` endpoints pass through unchanged. */
export function resolveEndpoint(configDir: string, endpoint: string): string {
  if (!endpoint.startsWith('ipc://')) return endpoint;
  return `ipc://${resolveDir(configDir, endpoint.slice('ipc://'.length))}`;
}

/** The default endpoints, all unix sockets under `<data_dir>/run/`. */
export function defaultEndpoints(dataDir: string): StationConfig['ipc'] {
  const run = join(dataDir, 'run');
  return {
    service_bus: `ipc://${join(run, 'bus.sock')}`,
    event_pub: `ipc://${join(run, 'events-in.sock')}`,
    event_sub: `ipc://${join(run, 'events-out.sock')}`,
  };
}

/** Fills the defaults that depend on other fields and makes every path absolute. */
export function resolveConfig(decoded: Decoded, configDir: string): StationConfig {
  const dataDir = resolveDir(configDir, decoded.paths.data_dir);
  const defaults = defaultEndpoints(dataDir);
  const endpoint = (value: string | undefined, fallback: string) =>
    value === undefined ? fallback : resolveEndpoint(configDir, value);
  return {
    ...decoded,
    station: { ...decoded.station, name: decoded.station.name ?? decoded.station.id },
    paths: {
      data_dir: dataDir,
      sequences_dir: resolveDir(configDir, decoded.paths.sequences_dir),
      logs_dir:
        decoded.paths.logs_dir === undefined
          ? join(dataDir, 'logs')
          : resolveDir(configDir, decoded.paths.logs_dir),
    },
    ipc: {
      service_bus: endpoint(decoded.ipc.service_bus, defaults.service_bus),
      event_pub: endpoint(decoded.ipc.event_pub, defaults.event_pub),
      event_sub: endpoint(decoded.ipc.event_sub, defaults.event_sub),
    },
    security: { curve: decoded.security.curve && resolveCurve(decoded.security.curve, configDir) },
    batches: decoded.batches.map((b) => ({
      ...b,
      name: b.name ?? b.id,
      // The station-wide limit is each batch's default; the batch's own value (0 = none) wins.
      limits: { ...decoded.limits, ...definedOnly(b.limits) },
    })),
  };
}

/** Key file and folder paths of `security.curve`, made absolute against the config file's folder. */
export function resolveCurve(curve: CurveConfig, configDir: string): CurveConfig {
  const out: CurveConfig = { ...curve };
  for (const key of [
    'public_key_file',
    'secret_key_file',
    'server_key_file',
    'authorized_keys_dir',
  ] as const) {
    const value = curve[key];
    if (value !== undefined) out[key] = resolveDir(configDir, value);
  }
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The SQLite store's file: `<data_dir>/station.db` (the runbook's path).
 * @example openStore(storePath(config))
 */
export function storePath(config: StationConfig): string {
  return join(config.paths.data_dir, 'station.db');
}
