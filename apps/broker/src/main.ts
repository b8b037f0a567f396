// apps/broker: the station's message broker process.

import { Broker } from '@station/bus';
import { metricsReply } from '@station/bus/metrics-shape';
import { curveServer } from '@station/config';
import { type CliSpec, runService } from '@station/service';
import { BrokerMetrics } from './metrics.ts';

const cli: CliSpec = {
  command: 'bun apps/broker/src/main.ts',
  summary:
    "The station's message broker: routes service requests (ipc.service_bus) and forwards events\n(ipc.event_pub -> ipc.event_sub) between the station's processes.",
  service: true,
};

function curveServerOrFail(config: Parameters<typeof curveServer>[0]) {
  const curve = curveServer(config);
  if (curve === undefined) throw new Error('remote endpoints need security.curve');
  return curve;
}

await runService(
  'broker',
  async ({ config, log }) => {
    // Read at scrape time, which only a started broker can be asked for.
    const metrics = new BrokerMetrics(() => broker.stats());
    const broker = await Broker.start({
      serviceBus: config.ipc.service_bus,
      eventIn: config.ipc.event_pub,
      eventOut: config.ipc.event_sub,
      // Batch hosts on other machines: the same sockets on tcp, CURVE only (the config check makes sure
      // security.curve is there when remote is).
      ...(config.remote === undefined
        ? {}
        : {
            remote: {
              serviceBus: config.remote.service_bus,
              eventIn: config.remote.event_pub,
              eventOut: config.remote.event_sub,
              curve: curveServerOrFail(config),
            },
          }),
      logger: log,
      observer: metrics,
      methods: { metrics: () => metricsReply(metrics.registry) },
    });
    log.info({ endpoints: broker.endpoints, remote: broker.remoteEndpoints }, 'broker ready');
    return {
      async stop() {
        broker.close();
      },
    };
  },
  { cli },
);
