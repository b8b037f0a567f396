// A process that logs `count` numbered lines as `service`, for the shared station.log test.
// Usage: bun writer-fixture.ts <logsDir> <service> <count> <maxFileBytes>
import { closeLogs, createLogger } from '../src/index.ts';

const [logsDir, service, count, maxBytes] = process.argv.slice(2);
const log = createLogger({
  service: service!,
  logsDir: logsDir!,
  maxFileBytes: Number(maxBytes),
  keepFiles: 200,
  stdout: false,
});
for (let n = 0; n < Number(count); n++) log.info({ n, pad: 'p'.repeat(n % 300) }, 'line');
await closeLogs();
console.log('DONE');
