// Test support: a gateway built in process on a temp folder, with a scripted bus, a real in-memory store
// and fake probes; plus small request helpers.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReceivedEvent } from '@station/bus';
import { BusError } from '@station/bus/errors';
import { parseConfig, type StationConfig } from '@station/config';
import { openStore, type Store } from '@station/db';
import type { StationEvent } from '@station/model';
import { createApp, type GatewayApp } from '../src/app.ts';
import type { BusLike, EventSource, GatewayDeps, HealthProbes, SequenceCatalog } from '../src/types.ts';

type Handler = (body: unknown, timeoutMs: number | undefined) => unknown;

/** A bus whose services are functions; a service with no handler is SERVICE_UNAVAILABLE, as the broker says. */
export class FakeBus implements BusLike {
  readonly calls: { service: string; method: string; body: unknown; timeoutMs: number | undefined }[] = [];
  readonly #handlers = new Map<string, Handler>();

  on(service: string, method: string, fn: Handler): this {
    this.#handlers.set(`${service} ${method}`, fn);
    return this;
  }

  off(service: string, method: string): this {
    this.#handlers.delete(`${service} ${method}`);
    return this;
  }

  async requestRaw(
    service: string,
    method: string,
    body: unknown,
    opts: { timeoutMs?: number } = {},
  ): Promise<unknown> {
    this.calls.push({ service, method, body, timeoutMs: opts.timeoutMs });
    const fn = this.#handlers.get(`${service} ${method}`);
    if (!fn) throw new BusError('SERVICE_UNAVAILABLE', `no live worker for ${service}`);
    return await fn(body, opts.timeoutMs);
  }
}

/** An event source the test pushes into. */
export class PushEvents implements EventSource {
  readonly #queue: ReceivedEvent[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  push(event: StationEvent): void {
    this.#queue.push({ topic: 'test', event });
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReceivedEvent> {
    for (;;) {
      const next = this.#queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}

export interface Harness extends AsyncDisposable {
  gw: GatewayApp;
  bus: FakeBus;
  store: Store;
  config: StationConfig;
  dir: string;
  /** What the fake probes answer; `freeBytes`, when set, wins over `usedRatio` (of a 100 GB disk). */
  probes: { db: { ok: boolean; error?: string }; usedRatio: number; freeBytes?: number };
  /** Sends a request through `app.handle`. */
  req(
    method: string,
    path: string,
    init?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
}

export interface HarnessOptions {
  yaml?: string;
  sequences?: SequenceCatalog;
  publicDir?: string;
  deps?: Partial<GatewayDeps>;
}

/** Size of the harness's fake disk: 100 GB. */
export const DISK_BYTES = 100 * 1024 ** 3;

const BASE_YAML = `
station: { id: station-t, name: Test Station }
paths: { data_dir: ./data, sequences_dir: ./sequences }
batches:
  - { id: batch_1, sequence_package: psu_functional }
  - { id: batch_2, sequence_package: psu_functional }
`;

/** A fresh temp folder with a config, an in-memory store and a gateway app (nothing listening). */
export async function harness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-test-'));
  mkdirSync(join(dir, 'sequences'));
  const file = join(dir, 'station.yaml');
  writeFileSync(file, opts.yaml ?? BASE_YAML);
  const config = parseConfig(opts.yaml ?? BASE_YAML, file);
  const store = openStore(':memory:');
  const bus = new FakeBus();
  const probeState: Harness['probes'] = { db: { ok: true }, usedRatio: 0.5 };
  const probes: HealthProbes = {
    database: async () => probeState.db,
    disk: async () => ({
      path: config.paths.data_dir,
      totalBytes: DISK_BYTES,
      freeBytes: probeState.freeBytes ?? DISK_BYTES * (1 - probeState.usedRatio),
      usedRatio:
        probeState.freeBytes === undefined ? probeState.usedRatio : 1 - probeState.freeBytes / DISK_BYTES,
    }),
  };
  const sequences: SequenceCatalog = opts.sequences ?? {
    list: async () => [],
    get: async () => undefined,
    asset: () => undefined,
    install: async () => {
      throw new Error('this harness has no sequence catalog');
    },
    versions: () => [],
  };
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const gw = await createApp({
    config,
    configPath: file,
    bus,
    store,
    sequences,
    probes,
    logger: quiet,
    clock: { now: () => Date.parse('2026-01-01T00:00:00.000Z') },
    publicDir: opts.publicDir,
    version: '1.2.3',
    ...opts.deps,
  });
  return {
    gw,
    bus,
    store,
    config,
    dir,
    probes: probeState,
    req(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      return gw.app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
    },
    async [Symbol.asyncDispose]() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Status and parsed JSON body of a response. */
export async function json(res: Response | Promise<Response>): Promise<{ status: number; body: unknown }> {
  const r = await res;
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: r.status, body };
}
