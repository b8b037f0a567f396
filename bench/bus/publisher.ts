// bench/bus helper process: publishes N step_start events as fast as it can after a go signal, as a
// runner would (runners and the gateway are separate processes in the station).
// Usage: bun bench/bus/publisher.ts <eventIn endpoint> <count>
import { Publisher } from '../../packages/bus/src/index.ts';

const [endpoint, count] = process.argv.slice(2);
const pub = new Publisher({ endpoint: endpoint!, highWaterMark: 100_000 });
const event = {
  type: 'step_start' as const,
  batch_id: 'batch_1',
  data: { step: 'measure_voltage', index: 3, total: 12 },
};
// Probe until the subscriber confirms (it writes "go" on stdin), so no event is lost to a slow joiner.
const probe = setInterval(() => {
  void pub.publish({
    type: 'log',
    batch_id: 'probe',
    data: { level: 'info', message: 'probe', timestamp: '0' },
  });
}, 20);
for await (const _ of console) break;
clearInterval(probe);
const t0 = performance.now();
for (let i = 0; i < Number(count); i++) await pub.publish(event);
console.log(`SENT ${(performance.now() - t0).toFixed(0)}`);
await Bun.sleep(500);
pub.close();
