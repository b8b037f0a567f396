// apps/broker: the station's message broker process.

import { Broker } from '@station/bus';
import { type CliSpec, runService } from '@station/service';

const cli: CliSpec = {
  command: 'bun apps/broker/src/main.ts',
  summary:
    "The station's message broker: routes service requests (ipc.service_bus) and forwards events\n(ipc.event_pub -> ipc.event_sub) between the station's processes.",
  service: true,
};

await runService(
  'broker',
  async ({ config, log }) => {
    const broker = await Broker.start({
      serviceBus: config.ipc.service_bus,
      eventIn: config.ipc.event_pub,
      eventOut: config.ipc.event_sub,
      logger: log,
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
