// The station launcher: starts broker, supervisor, sync agent and gateway as separate processes in
// dependency order, waits for each to answer, restarts any that dies, and stops them in SPEC §6 order.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BusClient } from '@station/bus';
import type { StationConfig } from '@station/config';
import { type ServiceChild as Child, ServiceChild, type ServiceSpec } from './child.ts';

export const REPO_ROOT = join(import.meta.dir, '../../..');

import { SERVICES, type ServiceName } from '@station/service/services';

export { SERVICES, type ServiceName };
/** Stop order is SPEC §6 (gateway first, broker last). */
export const STOP_ORDER: readonly ServiceName[] = ['api-gateway', 'batch-supervisor', 'sync-agent', 'broker'];

/** The entry file of a service. */
export function entryOf(service: ServiceName): string {
  return join(REPO_ROOT, 'apps', service, 'src', 'main.ts');
}

export interface LauncherOptions {
  config: StationConfig;
  configPath: string;
  out: (line: string) => void;
  /** Only these services (default: every one whose entry file exists). */
  services?: ServiceName[];
  bun?: string;
  backoffBaseMs?: number;
}

/** Where the UI answers, for the ready line. */
export function uiUrl(config: StationConfig): string {
  const host = config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}/`;
}

/**
 * Whether a service answers: the broker its own `ping`, the supervisor and sync agent their `health`
 * over the bus, the gateway any HTTP answer on its health route.
 */
export async function isReady(config: StationConfig, name: ServiceName, bus: BusClient): Promise<boolean> {
  switch (name) {
    case 'broker':
      return !!(await bus.request('broker', 'ping', {}, { timeoutMs: 500 }));
    case 'batch-supervisor':
      return !!(await bus.request('supervisor', 'health', {}, { timeoutMs: 500 }));
    case 'sync-agent':
      return !!(await bus.request('sync', 'health', {}, { timeoutMs: 500 }));
    case 'api-gateway': {
      const res = await fetch(`${uiUrl(config)}api/system/health`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return true;
    }
  }
}

export class Launcher {
  readonly #opts: LauncherOptions;
  readonly #children = new Map<ServiceName, Child>();
  #probe: BusClient | undefined;

  constructor(opts: LauncherOptions) {
    this.#opts = opts;
  }

  get children(): ReadonlyMap<ServiceName, Child> {
    return this.#children;
  }

  #spec(name: ServiceName): ServiceSpec {
    const { config, configPath } = this.#opts;
    this.#probe ??= new BusClient({ endpoint: config.ipc.service_bus, timeoutMs: 500 });
    const probe = this.#probe;
    return {
      name: name.replace('batch-', '').replace('api-', ''),
      // `--station` marks every process of this station in `ps` (the runbook greps for it).
      cmd: [
        this.#opts.bun ?? process.execPath,
        entryOf(name),
        '--config',
        configPath,
        '--station',
        config.station.id,
        '--parent-pid',
        String(process.pid),
      ],
      ready: () => isReady(config, name, probe),
      stopTimeoutMs: name === 'batch-supervisor' ? 20_000 : 10_000,
      // The station stops: the supervisor stops its runners too (SIGTERM would leave them running).
      ...(name === 'batch-supervisor' ? { stopSignal: 'SIGINT' as const } : {}),
    };
  }

  /** Starts every service in order; resolves with the ones that did not become ready. */
  async start(): Promise<ServiceName[]> {
    const wanted = this.#opts.services ?? SERVICES.filter((s) => existsSync(entryOf(s)));
    const failed: ServiceName[] = [];
    for (const name of SERVICES) {
      if (!wanted.includes(name)) continue;
      const child = new ServiceChild(this.#spec(name), {
        out: this.#opts.out,
        backoffBaseMs: this.#opts.backoffBaseMs,
        // Services write to our pipe, not the terminal: tell them to print for a person when we do.
        env: process.stdout.isTTY ? { STATION_LOG_PRETTY: '1' } : {},
      });
      this.#children.set(name, child);
      if (!(await child.start())) {
        failed.push(name);
        this.#opts.out(`[launcher] ${name} is not answering yet; it keeps being restarted if it exits`);
      }
    }
    return failed;
  }

  /** Stops the services in SPEC §6 order, each fully before the next. */
  async stop(): Promise<void> {
    for (const child of this.#children.values()) child.hold();
    for (const name of STOP_ORDER) {
      const child = this.#children.get(name);
      if (!child) continue;
      this.#opts.out(`[launcher] stopping ${name}`);
      await child.stop();
    }
    this.#probe?.close();
  }
}
