// apps/batch-supervisor: owns every batch-runner process of the station.
// Usage: bun apps/batch-supervisor/src/main.ts [--config station.yaml] [--runner-main file] [--timings json]
//        [--start-concurrency n]
import { runService } from '@station/service';
import { startSupervisor } from './service.ts';

await runService('supervisor', (ctx) => startSupervisor(ctx));
