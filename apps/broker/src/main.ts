// apps/broker: the station's message broker process.
// Usage: bun apps/broker/src/main.ts [--config path/to/station.yaml]
import { runService } from '@station/service';
import { Broker } from './broker.ts';

await runService('broker', async ({ config, log }) => {
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
});
