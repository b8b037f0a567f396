// The supervisor's collaborators on the real bus: requests to `runner.<id>` through a BusClient, and
// events through a Publisher. Failures become values (LinkResult) because to the supervisor a runner that
// does not answer is information, not an exception.
import { type BusClient, BusError, type BusLogger, type Publisher, runnerService } from '@station/bus';
import type { HostLink } from './remote-runner.ts';
import type { EventSink, LinkResult, RunnerLink } from './types.ts';

/** A RunnerLink over a connected BusClient. */
export function busRunnerLink(client: BusClient): RunnerLink {
  async function call<T>(run: () => Promise<T>): Promise<LinkResult<T>> {
    try {
      return { ok: true, value: await run() };
    } catch (err) {
      const code = err instanceof BusError ? err.code : 'INTERNAL';
      const message = err instanceof Error ? `${code}: ${err.message}` : String(err);
      // Our own link is down: the runner may be fine; do not count this against it.
      return { ok: false, brokerDown: !client.connected, message };
    }
  }
  return {
    health: (batchId, timeoutMs) =>
      call(() => client.request(runnerService(batchId), 'health', {}, { timeoutMs })),
    status: (batchId, timeoutMs) =>
      call(() => client.request(runnerService(batchId), 'status', {}, { timeoutMs })),
    shutdown: (batchId, timeoutMs, reason) =>
      call(() => client.request(runnerService(batchId), 'shutdown', { reason }, { timeoutMs })),
  };
}

/** An EventSink over a Publisher; a failed send is logged, never thrown into the lifecycle code. */
export function publisherSink(publisher: Publisher, logger: BusLogger): EventSink {
  return {
    publish(event) {
      publisher.publish(event).catch((err: unknown) => {
        logger.warn({ err: String(err), type: event.type }, 'could not publish an event');
      });
    },
  };
}

/**
 * `link` for a station with batches on other machines: a remote runner's silence while its batch host is
 * silent too says the link to that machine is down, not that the runner hangs, so it is not counted as a
 * missed heartbeat (as silence while the supervisor's own broker link is down is not).
 */
export function hostAwareLink(
  link: RunnerLink,
  hostOf: (batchId: string) => string | undefined,
  hosts: HostLink,
): RunnerLink {
  return {
    health: (batchId, timeoutMs) => link.health(batchId, timeoutMs),
    shutdown: (batchId, timeoutMs, reason) => link.shutdown(batchId, timeoutMs, reason),
    async status(batchId, timeoutMs) {
      const r = await link.status(batchId, timeoutMs);
      const host = hostOf(batchId);
      if (r.ok || r.brokerDown || host === undefined) return r;
      if (await hosts.answers(host, Math.min(timeoutMs, 1_000))) return r;
      return {
        ok: false,
        brokerDown: true,
        message: `${r.message}; batch host ${host} does not answer either`,
      };
    },
  };
}
