// Backend health: probes `GET {url}/api/health` every `health_interval` and keeps `backend_connected`.
// A change is reported at once, so the agent can drain the moment the Backend comes back (SY-003) instead
// of at its next scheduled cycle.
import type { Logger } from '@station/log';
import { type BackendEndpoint, probeHealth } from './client.ts';

/** Called on every change of connectedness (not on every probe). */
export type HealthListener = (connected: boolean, detail: string) => void;

export interface HealthMonitorOptions {
  endpoint: BackendEndpoint;
  intervalMs: number;
  logger: Logger;
  onChange: HealthListener;
}

/** Probes the Backend on an interval; `connected` is undefined until the first probe answers. */
export class HealthMonitor {
  #opts: HealthMonitorOptions;
  #connected: boolean | undefined;
  #detail = 'not probed yet';
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort = new AbortController();
  #stopped = true;

  constructor(opts: HealthMonitorOptions) {
    this.#opts = opts;
  }

  get connected(): boolean | undefined {
    return this.#connected;
  }

  /** The last probe's answer in one line, e.g. `HTTP 200` or `network error: ...`. */
  get detail(): string {
    return this.#detail;
  }

  /** Probes at once, then every interval. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#abort = new AbortController();
    void this.#tick();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
  }

  /**
   * Records evidence from elsewhere (a delivery that got an answer or was refused), so the state does not
   * wait a whole interval to catch up with what the drain loop already knows.
   */
  observe(connected: boolean, detail: string): void {
    this.#set(connected, detail);
  }

  /** One probe now; resolves to the new state. */
  async probe(): Promise<boolean> {
    // Probes never overlap (the next is scheduled when this one ends), so a hung Backend delays the
    // verdict by at most one timeout; a refused connection is known at once.
    const { ok, detail } = await probeHealth(this.#opts.endpoint, this.#abort.signal);
    if (!this.#stopped) this.#set(ok, detail);
    return ok;
  }

  async #tick(): Promise<void> {
    try {
      await this.probe();
    } catch (err) {
      this.#opts.logger.error({ err: String(err) }, 'sync: health probe crashed');
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#tick(), this.#opts.intervalMs);
  }

  #set(connected: boolean, detail: string): void {
    this.#detail = detail;
    if (this.#connected === connected) return;
    const before = this.#connected;
    this.#connected = connected;
    this.#opts.logger.info(
      { backendConnected: connected, was: before ?? null, detail },
      connected ? 'sync: Backend reachable' : 'sync: Backend unreachable',
    );
    this.#opts.onChange(connected, detail);
  }
}
