// apps/batch-supervisor: owns every batch-runner process of the station.
import { type CliSpec, runService } from '@station/service';
import { checkBatchPackages } from '@station/service/batch-packages';
import { startSupervisor } from './service.ts';

const cli: CliSpec = {
  command: 'bun apps/batch-supervisor/src/main.ts',
  summary: 'Starts, watches and restarts the batch-runner process of each batch in station.yaml.',
  options: [
    { name: 'runner-main', value: 'FILE', description: 'script each runner runs (tests and benchmarks)' },
    { name: 'timings', value: 'JSON', description: 'timing overrides, e.g. \'{"heartbeatMs":200}\'' },
    {
      name: 'start-concurrency',
      value: 'N',
      description: 'runners allowed to be starting at once (default: four per CPU core)',
    },
  ],
  service: true,
};

// The supervisor runs the batches, so it refuses a station.yaml whose batches name packages, hardware or
// driver options that do not exist: exit 2 with every problem located, like any configuration error.
await runService('supervisor', (ctx) => startSupervisor(ctx), { cli, checks: [checkBatchPackages] });
