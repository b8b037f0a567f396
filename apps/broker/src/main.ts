// apps/broker: the station's message broker process.

import { Broker } from '@station/bus';
import { metricsReply } from '@station/bus/metrics-shape';
import { type CliSpec, runService } from '@station/service';
import { BrokerMetrics } from './metrics.ts';

const cli: CliSpec = {
  command: 'bun apps/broker/src/main.ts',
  summary:
    "The station's message broker: routes service requests (ipc.service_bus) and forwards events\n(ipc.event_pub -> ipc.event_sub) between the station's processes.",
  service: true,
};

await runService(
  'broker',
  async ({ config, log }) => {
    // Read at scrape time, which only a started broker can be asked for.
    const metrics = new BrokerMetrics(() => broker.stats());
    const broker = await Broker.start({
      serviceBus: config.ipc.service_bus,
      eventIn: config.ipc.event_pub,
      eventOut: config.ipc.event_sub,
      logger: log,
      observer: metrics,
      methods: { metrics: () => metricsReply(metrics.registry) },
    });
    log.info({ endpoints: broker.endpoints }, 'broker ready');
    return {
      async stop() {
        broker.close();
      },
    };
  },
  { cli },
);
