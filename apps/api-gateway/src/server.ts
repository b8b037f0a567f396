// Listening and the graceful stop of SIGTERM: stop accepting, close WebSocket clients with 1001 ("going
// away"), let in-flight requests finish, then release the bus, the event stream and the store.
import type { BusLogger } from '@station/bus';
import { sleep } from '@station/time';
import type { GatewayApp } from './app.ts';
import type { EventSource } from './types.ts';
import { CLOSE_GOING_AWAY } from './ws/hub.ts';

export interface ListenOptions {
  hostname: string;
  port: number;
  /** Station events to fan out over /ws. */
  events?: EventSource;
  log: BusLogger;
  /** How often the read model checks that the supervisor answers (ms; default 2000). */
  supervisorCheckMs?: number;
}

/**
 * Bun's own request-body cap answers a bare 413 (no body, no message) before the gateway sees a request
 * whose Content-Length passes it, so it is set far out of the way: the gateway's own limit
 * (`server.max_body_bytes`, requests/body.ts) answers every case with its JSON error, and closes the
 * connection so that the rest of the body is never read.
 */
const BUN_BODY_CAP = Number.MAX_SAFE_INTEGER;

/** A listening gateway. */
export interface RunningGateway {
  /** The port actually bound (differs from the requested one when that was 0). */
  readonly port: number;
  readonly hostname: string;
  /** Graceful stop; waits at most `timeoutMs` for in-flight requests. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts listening and pumping events. */
export function listen(gateway: GatewayApp, opts: ListenOptions): RunningGateway {
  const { app } = gateway;
  app.listen({
    hostname: opts.hostname,
    port: opts.port,
    maxRequestBodySize: BUN_BODY_CAP,
  });
  const server = app.server;
  if (!server) throw new Error(`could not listen on ${opts.hostname}:${opts.port}`);
  const pumping = opts.events ? gateway.pump(opts.events) : Promise.resolve();
  const watching = watchSupervisor(gateway, opts);
  const port = server.port ?? opts.port;
  const hostname = server.hostname ?? opts.hostname;
  opts.log.info({ hostname, port }, 'gateway listening');

  let stopping: Promise<void> | undefined;
  return {
    port,
    hostname,
    stop(timeoutMs = 10_000) {
      stopping ??= (async () => {
        // Not forced: Bun stops accepting at once and lets requests being answered finish.
        const drained = server.stop(false);
        gateway.hub.closeAll(CLOSE_GOING_AWAY, 'server shutting down');
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), timeoutMs);
        });
        const outcome = await Promise.race([drained.then(() => 'drained' as const), late]);
        clearTimeout(timer);
        if (outcome === 'late') {
          opts.log.warn({ timeoutMs }, 'in-flight requests did not finish in time; closing them');
          await server.stop(true);
        }
        opts.events?.close();
        watching.abort();
        await pumping;
      })();
      return stopping;
    },
  };
}

/**
 * Keeps the read model honest: resynced whenever the event link comes back (events were lost meanwhile),
 * and checked against the supervisor every period (stale while it does not answer, resynced when it does
 * again or restarted). Runs until the returned controller is aborted.
 */
function watchSupervisor(gateway: GatewayApp, opts: ListenOptions): AbortController {
  const { model } = gateway;
  const stop = new AbortController();
  opts.events?.onLink?.((up) => {
    if (stop.signal.aborted) return;
    if (up) void model.resync().catch(() => undefined);
    else model.markStale('the event link to the broker is down');
  });
  const every = opts.supervisorCheckMs ?? 2000;
  void (async () => {
    try {
      for (;;) {
        await model.check();
        await sleep(every, stop.signal);
      }
    } catch {
      // aborted: the gateway is stopping
    }
  })();
  return stop;
}
