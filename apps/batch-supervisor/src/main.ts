// apps/batch-supervisor: owns every batch-runner process of the station.
import { type CliSpec, runService } from '@station/service';
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
      description: 'runners allowed to be starting at once (default: one per CPU core)',
    },
  ],
  service: true,
};

await runService('supervisor', (ctx) => startSupervisor(ctx), { cli });
