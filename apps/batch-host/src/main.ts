// apps/batch-host: runs, on its own machine, the runners of the batches station.yaml places there.
import { type CliSpec, parseCliOrExit, runService } from '@station/service';
import { batchPackagesCheck } from '@station/service/batch-packages';
import { startBatchHost } from './service.ts';

const cli: CliSpec = {
  command: 'bun apps/batch-host/src/main.ts',
  summary:
    "Runs the runners of the batches station.yaml places on this host (batches[].host), for the station's\nsupervisor, and delivers their results to the station's store.",
  options: [
    {
      name: 'host',
      value: 'NAME',
      description: 'this machine: a hosts[].name of station.yaml',
      required: true,
    },
  ],
  service: true,
};

// Read before runService: the host's batches are the ones whose packages this machine must have.
const host = parseCliOrExit(cli).values.host ?? '';
await runService('batch-host', (ctx) => startBatchHost(ctx, host), {
  cli,
  checks: [batchPackagesCheck(host)],
});
